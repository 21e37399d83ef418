"""HTTP mode: ``POST /slack/events`` into the inbox; ``GET /healthz`` and ``GET /readyz``.

uvicorn with a bare ASGI router. A request is checked cheaply before it is read: the signature
headers must be there and the timestamp a number within five minutes (401 otherwise), and a declared
length over the cap is refused (413). The body is then read in chunks and reading stops at the
cap (413), so an unsigned flood is never buffered whole; only then is the signature verified.
A request that is someone's work is stored in the inbox (``bot.slack.intake`` says which, and
under which key) and acknowledged: 200 with an empty body. The inbox workers run it afterwards.
Storing is the door's own thread's job (``bot.inbox.InboxWriter``): requests that arrive while
one commit is under way are stored together by the next, and no acknowledgement waits for a
worker's thread or connection.
What must be answered within Slack's 3 seconds runs inline, recorded all the same; if its
listener fails the person is told by the error handler and Slack still gets its 200, so it never
shows its own error mark. A searching select's request for options is answered inline and not
recorded (it changes nothing); one that cannot be answered gets an empty list. When the
database cannot store a request it is not acknowledged (503): Slack delivers it again.

``/healthz`` is liveness (503 once the process is stopping, so a load balancer moves away
first); ``/readyz`` says whether this process should get traffic: not stopping, database
reachable, models loaded, inbox lag under its limit.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import signal
import socket
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Generator
from typing import Any

import uvicorn
from slack_bolt import App, BoltRequest
from slack_sdk.signature import SignatureVerifier
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import Message, Receive, Scope, Send

from actions import inbox
from actions.services import Services
from bot.health import Readiness
from bot.inbox import InboxWriter
from bot.slack.intake import SUGGESTION, NotSlack, parse_text

EVENTS_PATH = "/slack/events"
MAX_BODY = 1_000_000  # Slack's payloads are far smaller; refuse floods before verifying them
MAX_AGE = 60 * 5  # Slack's own limit on a request's timestamp
#: Headers a stored request keeps for its re-dispatch.
KEPT_HEADERS = ("content-type", "x-slack-retry-num", "x-slack-retry-reason")

log = logging.getLogger("bot.http")


class TooLarge(Exception):
    """The body passed the cap while it was read."""


class Disconnected(Exception):
    """The client went away before the whole body came."""


def _answer(status: int, headers: tuple[tuple[bytes, bytes], ...] = ()) -> tuple[Message, Message]:
    """The two messages of an answer with an empty body, built once: the door's answers are a
    status and nothing else, the headers Starlette's ``Response(status_code=...)`` sends."""
    return ({"type": "http.response.start", "status": status,
             "headers": [*headers, (b"content-length", b"0")]},
            {"type": "http.response.body", "body": b""})


#: uvicorn reads these and copies the header list into its own; nothing changes them.
OK, BAD_REQUEST, UNSIGNED = _answer(200), _answer(400), _answer(401)
TOO_LARGE, NOT_STORED = _answer(413), _answer(503)
STOPPING = _answer(503, ((b"retry-after", b"1"),))
#: The stored headers' names, and as they appear in an ASGI scope (lower-case bytes).
_KEPT = tuple((name, name.encode("latin-1")) for name in KEPT_HEADERS)


async def read_capped(first: Message, receive: Receive, cap: int) -> bytes:
    """The body from ``http.request`` messages, ``first`` already received: ``TooLarge`` as
    soon as it passes ``cap``, ``Disconnected`` when the client goes away first."""
    chunks: list[bytes] = []
    size = 0
    message = first
    while True:
        kind = message["type"]
        if kind == "http.request":
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > cap:
                raise TooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)
        elif kind == "http.disconnect":
            raise Disconnected
        message = await receive()


def headers_look_signed(stamp: bytes, signature: bytes, now: float) -> bool:
    """Cheap checks before reading the body: a ``v0=`` signature and a fresh numeric stamp
    (ASCII digits; anything else, thousands of digits too, is no Slack timestamp)."""
    if not stamp.isdigit() or not signature.startswith(b"v0="):
        return False
    try:
        return abs(now - int(stamp)) <= MAX_AGE
    except (ValueError, OverflowError):
        return False


class SlackFront:
    """The door: verification, the inbox write, inline answers, and the stopping flag.

    ``events`` is a bare ASGI handler: every Slack delivery passes it, hundreds a second at
    peak, under the interpreter lock the inbox workers need. It reads the few headers it uses
    from the scope's byte pairs, the body from ``receive``, verifies the signature over the
    bytes as received, and answers with messages built once; Starlette's request, header and
    response objects cost more interpreter time than all of that together.
    """

    def __init__(self, bolt: App, services: Services, signing_secret: str, *,
                 hand: Callable[[inbox.InboxRow], None] | None = None, owner: str | None = None,
                 policy: inbox.RetryPolicy = inbox.DEFAULT_POLICY,
                 max_body: int = MAX_BODY) -> None:
        self.bolt, self.services = bolt, services
        self.verifier = SignatureVerifier(signing_secret)  # refuses an empty secret
        self.secret = signing_secret
        #: Keyed once; each request's HMAC is a copy (``hmac.digest`` would key it anew and
        #: let go of the interpreter lock for every request, however small).
        self._keyed = hmac.new(signing_secret.encode("utf-8"), digestmod=hashlib.sha256)
        #: Stored rows go straight to this process's workers (``hand``), leased to ``owner``.
        self.hand, self.owner, self.policy = hand, owner, policy
        self.max_body = max_body
        #: Receipts are stored by a thread of their own, in batches (``InboxWriter``).
        self.writer = InboxWriter(services, owner=owner if hand is not None else None,
                                  policy=policy)
        self.draining = threading.Event()
        self._refused = 0  # requests refused since storing started failing

    def verified(self, stamp: bytes, signature: bytes, body: bytes) -> bool:
        """Slack's ``v0`` signature: HMAC-SHA256 of ``v0:<stamp>:<body>``, compared in
        constant time."""
        mac = self._keyed.copy()
        mac.update(b"".join((b"v0:", stamp, b":", body)))
        return hmac.compare_digest(b"v0=" + mac.hexdigest().encode("ascii"), signature)

    async def events(self, scope: Scope, receive: Receive, send: Send) -> None:
        """``POST /slack/events``."""
        answer = await self._events(scope, receive, send)
        if answer is not None:
            await send(answer[0])
            await send(answer[1])

    async def _events(self, scope: Scope, receive: Receive, send: Send,
                      ) -> tuple[Message, Message] | None:
        """The answer (None: already sent)."""
        if self.draining.is_set():
            return STOPPING
        # Names come lower-case (ASGI); the first of a repeated header counts, as in Starlette.
        fields: dict[bytes, bytes] = dict(reversed(scope["headers"]))
        stamp = fields.get(b"x-slack-request-timestamp", b"")
        signature = fields.get(b"x-slack-signature", b"")
        if not headers_look_signed(stamp, signature, time.time()):
            return UNSIGNED
        declared = fields.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_body:
            return TOO_LARGE
        message = await receive()
        if message["type"] == "http.request" and not message.get("more_body", False):
            raw = message.get("body", b"")  # the whole body at once: what Slack's size sends
            if len(raw) > self.max_body:
                return TOO_LARGE
        else:
            try:
                raw = await read_capped(message, receive, self.max_body)
            except TooLarge:
                return TOO_LARGE
            except Disconnected:
                return BAD_REQUEST
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            # Signed over the text with replacement characters, as slack_sdk verifies it;
            # verified or not, it is nothing Slack sends.
            replaced = raw.decode("utf-8", "replace").encode("utf-8")
            return BAD_REQUEST if self.verified(stamp, signature, replaced) else UNSIGNED
        if not self.verified(stamp, signature, raw):
            return UNSIGNED
        try:
            intake = parse_text(text, fields.get(b"content-type", b"").decode("latin-1"))
        except NotSlack:
            return BAD_REQUEST
        headers = {name: value.decode("latin-1") for name, key in _KEPT
                   if (value := fields.get(key)) is not None}
        if intake.key is None:  # a handshake or a select's options: Bolt answers it
            await self._respond_inline(scope, receive, send, intake.body, headers, None,
                                       intake.kind)
            return None
        if self.writer.stored(intake.key):
            log.info("repeated delivery of %s (retry %s) skipped", intake.key,
                     headers.get("x-slack-retry-num", "0"))
            return OK
        try:
            stored = await self.writer.submit(inbox.Delivery(
                key=intake.key, channel="slack", kind=intake.kind, body=intake.body,
                headers=headers, inline=intake.inline))
        except Exception as exc:  # noqa: BLE001 - not stored, so not acknowledged
            self._refused += 1
            if self._refused == 1:  # one line for the whole outage, not one per request
                log.warning("could not store Slack requests (%s: %s): answering 503, Slack will "
                            "send them again", type(exc).__name__,
                            str(exc).splitlines()[0][:200])
            return NOT_STORED
        if self._refused:
            log.info("storing Slack requests again (%d refused meanwhile)", self._refused)
            self._refused = 0
        if not stored:
            log.info("repeated delivery of %s (retry %s) skipped", intake.key,
                     headers.get("x-slack-retry-num", "0"))
            return OK
        if not intake.inline:
            if self.hand is not None:
                self.hand(stored)
            return OK
        await self._respond_inline(scope, receive, send, intake.body, headers, intake.key)
        return None

    async def _respond_inline(self, scope: Scope, receive: Receive, send: Send, body: str,
                              headers: dict[str, Any], key: str | None, kind: str = "",
                              ) -> None:
        response = await run_in_threadpool(self._inline, body, headers, key, kind)
        await response(scope, receive, send)

    def _inline(self, body: str, headers: dict[str, Any], key: str | None, kind: str = "",
                ) -> Response:
        answer = self.bolt.dispatch(BoltRequest(body=body, headers=dict(headers), mode="http"))
        if kind == SUGGESTION and answer.status != 200:
            # A select asking for options it cannot have (a broken payload, a listener that
            # failed): nothing to choose, rather than an error mark in the menu.
            return JSONResponse({"options": []})
        if key is not None and answer.status >= 500:
            # The listener failed and the error handler told the person: Slack gets its 200.
            inbox.record_inline_outcome(self.services, key, f"listener answered {answer.status}")
            return Response(status_code=200)
        return Response(status_code=answer.status, content=answer.body,
                        headers=answer.first_headers_without_set_cookie())


#: The routes besides the events: ``(methods, handler)`` by path.
Routes = dict[str, tuple[frozenset[str], Callable[[Request], Awaitable[Response]]]]


def asgi_app(front: SlackFront, readiness: Readiness) -> Callable[..., Awaitable[None]]:
    """The door's three routes as a bare ASGI callable.

    Every Slack delivery passes here, hundreds a second at peak: a framework's middleware
    stack (error pages, exception mapping, routing tables) would cost more interpreter time
    than verifying the request, time the inbox workers wait for. Three fixed paths need none of
    it; an exception still becomes uvicorn's own 500.
    """

    async def healthz(request: Request) -> Response:
        if front.draining.is_set():
            return JSONResponse({"ok": False, "stopping": True}, status_code=503)
        return JSONResponse({"ok": True})

    async def readyz(request: Request) -> Response:
        report = await run_in_threadpool(readiness.report, front.draining.is_set())
        return JSONResponse(report, status_code=200 if report["ready"] else 503)

    events = front.events
    routes: Routes = {
        "/healthz": (frozenset({"GET", "HEAD"}), healthz),
        "/readyz": (frozenset({"GET", "HEAD"}), readyz),
    }
    allowed = {EVENTS_PATH: frozenset({"POST"}), **{path: methods for path, (methods, _)
                                                    in routes.items()}}

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        path, method = scope["path"], scope["method"]
        if path == EVENTS_PATH and method == "POST":
            await events(scope, receive, send)
            return
        methods = allowed.get(path)
        if methods is None:
            response: Response = PlainTextResponse("Not Found", status_code=404)
        elif method not in methods:
            response = PlainTextResponse("Method Not Allowed", status_code=405,
                                         headers={"Allow": ", ".join(sorted(methods))})
        else:
            response = await routes[path][1](Request(scope, receive))
        await response(scope, receive, send)

    return app


class DrainingServer(uvicorn.Server):
    """uvicorn that, on SIGTERM or SIGINT, first says it is stopping (health 503), waits
    ``grace`` seconds for load balancers to notice, stops accepting, then runs ``on_drain``
    (the inbox workers finish or hand back their rows) before the process exits.

    ``on_signal`` hears every such signal first (the primary of several processes passes it on
    to the others, so they drain at the same time). A process that drained after SIGTERM exits
    with status 0: it stopped as asked, and a supervisor should not read it as killed."""

    def __init__(self, config: uvicorn.Config, front: SlackFront, *, grace: float,
                 on_drain: Callable[[], None],
                 on_signal: Callable[[int], None] | None = None) -> None:
        super().__init__(config)
        self.front, self.grace, self.on_drain = front, grace, on_drain
        self.on_signal = on_signal

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        with super().capture_signals():
            yield
            # uvicorn raises the signal it caught again once it has shut down; after a drain a
            # SIGTERM has done its work (SIGINT stays: Ctrl-C ends as an interrupted command).
            captured = getattr(self, "_captured_signals", None)
            if isinstance(captured, list):
                captured[:] = [sig for sig in captured if sig != signal.SIGTERM]

    def handle_exit(self, sig: int, frame: Any) -> None:
        if self.on_signal is not None:
            self.on_signal(sig)
        if self.front.draining.is_set() or self.grace <= 0:
            self.front.draining.set()
            super().handle_exit(sig, frame)
            return
        self.front.draining.set()
        log.info("stopping: health checks answer 503; new requests refused in %.1f s",
                 self.grace)
        timer = threading.Timer(self.grace, super().handle_exit, args=(sig, frame))
        timer.daemon = True
        timer.start()

    async def shutdown(self, sockets: Any = None) -> None:
        await super().shutdown(sockets)
        await run_in_threadpool(self.on_drain)


class Desk:
    """The HTTP side of a running desk: the front door, the inbox workers, readiness."""

    def __init__(self, bolt: App, services: Services, *, signing_secret: str | None = None,
                 threads: int = 8, drain_seconds: float = 20.0, grace_seconds: float = 0.0,
                 policy: inbox.RetryPolicy = inbox.DEFAULT_POLICY,
                 lag_limit_seconds: float = 30.0,
                 on_drained: Callable[[], None] | None = None) -> None:
        from bot.inbox import InboxWorkers

        secret = signing_secret or services.settings.slack_signing_secret or ""
        from bot.slack.lag import LagNotice

        self.workers = InboxWorkers(services, bolt, threads=threads, policy=policy,
                                    lag_warning_seconds=lag_limit_seconds,
                                    on_lag=LagNotice(services, bolt.client))
        self.front = SlackFront(bolt, services, secret, policy=policy,
                                hand=self.workers.accept if threads > 0 else None,
                                owner=self.workers.owner)
        self.readiness = Readiness(services, self.workers, lag_limit_seconds=lag_limit_seconds)
        self.drain_seconds, self.grace_seconds = drain_seconds, grace_seconds
        self.asgi = asgi_app(self.front, self.readiness)
        self._drained = threading.Event()
        self.on_drained = on_drained

    def start_workers(self, *, settle: bool = False) -> Desk:
        """Warm up (``settle``: and freeze the loaded heap, ``bot.health.settle_heap``) and
        start the inbox workers."""
        self.readiness.warm_up(settle=settle)
        self.workers.start()
        return self

    def drain(self) -> None:
        if self._drained.is_set():
            return
        self._drained.set()
        self.front.draining.set()
        given = self.workers.stop(self.drain_seconds)
        log.info("drained: inbox workers stopped (%d rows handed back)", given)
        self.front.services.flush_delivered()
        if self.on_drained is not None:
            self.on_drained()

    def server(self, *, host: str, port: int, log_level: str = "info",
               on_signal: Callable[[int], None] | None = None) -> DrainingServer:
        # No access log and no proxy headers: a line per Slack delivery says nothing the inbox
        # does not keep, and at peak it costs the workers interpreter time.
        config = uvicorn.Config(self.asgi, host=host, port=port, log_level=log_level,
                                lifespan="off", timeout_graceful_shutdown=5,
                                access_log=False, proxy_headers=False)
        return DrainingServer(config, self.front, grace=self.grace_seconds,
                              on_drain=self.drain, on_signal=on_signal)


#: How long a thread may hold the interpreter while another waits for it (Python's default is
#: 5 ms). The door's thread and the inbox writer wait for it after every read and every round
#: trip while the workers run turns; at 1 ms acknowledgements stay quick under load, and the
#: replies come sooner too (each worker's round trips wait less), for a few more switches.
SWITCH_INTERVAL = 0.001


def serve(desk: Desk, *, host: str = "0.0.0.0", port: int = 3000,
          sock: socket.socket | None = None,
          on_signal: Callable[[int], None] | None = None) -> None:
    """Run until SIGTERM/SIGINT, then drain (bounded by the desk's ``drain_seconds``).

    ``sock``: a listening socket to accept on instead of binding ``host:port`` (several
    processes serving one port, ``bot.processes``); ``on_signal`` hears SIGTERM/SIGINT first."""
    sys.setswitchinterval(SWITCH_INTERVAL)
    desk.start_workers(settle=True)
    desk.server(host=host, port=port, on_signal=on_signal).run(
        sockets=[sock] if sock is not None else None)


class BackgroundServer:
    """The real HTTP server and inbox workers in threads on a free loopback port (tests and
    the benchmark)."""

    def __init__(self, desk: Desk, host: str = "127.0.0.1", port: int = 0) -> None:
        self.desk = desk
        self.server = desk.server(host=host, port=port, log_level="warning")
        self.thread = threading.Thread(target=self.server.run, name="slack-http", daemon=True)
        self.host = host

    def start(self, timeout: float = 10.0) -> BackgroundServer:
        self.desk.start_workers()
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("HTTP server did not start")
            time.sleep(0.01)
        return self

    @property
    def port(self) -> int:
        return self.server.servers[0].sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.desk.drain()
