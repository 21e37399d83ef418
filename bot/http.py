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
shows its own error mark. When the database cannot store a request it is not acknowledged
(503): Slack delivers it again.

``/healthz`` is liveness (503 once the process is stopping, so a load balancer moves away
first); ``/readyz`` says whether this process should get traffic: not stopping, database
reachable, models loaded, inbox lag under its limit.
"""

from __future__ import annotations

import asyncio
import contextlib
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
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from actions import inbox
from actions.services import Services
from bot.health import Readiness
from bot.inbox import InboxWriter
from bot.slack.intake import NotSlack, parse

EVENTS_PATH = "/slack/events"
MAX_BODY = 1_000_000  # Slack's payloads are far smaller; refuse floods before verifying them
MAX_AGE = 60 * 5  # Slack's own limit on a request's timestamp
#: Headers a stored request keeps for its re-dispatch.
KEPT_HEADERS = ("content-type", "x-slack-retry-num", "x-slack-retry-reason")

log = logging.getLogger("bot.http")


class TooLarge(Exception):
    pass


async def read_capped(request: Request, cap: int) -> bytes:
    """The body, read in chunks; ``TooLarge`` as soon as it passes ``cap``."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def headers_look_signed(headers: Any, now: float) -> bool:
    """Cheap checks before reading the body: a ``v0=`` signature and a fresh numeric stamp."""
    stamp = headers.get("x-slack-request-timestamp") or ""
    signature = headers.get("x-slack-signature") or ""
    if not stamp.isdigit() or not signature.startswith("v0="):
        return False
    return abs(now - int(stamp)) <= MAX_AGE


class SlackFront:
    """The door: verification, the inbox write, inline answers, and the stopping flag."""

    def __init__(self, bolt: App, services: Services, signing_secret: str, *,
                 hand: Callable[[inbox.InboxRow], None] | None = None, owner: str | None = None,
                 policy: inbox.RetryPolicy = inbox.DEFAULT_POLICY,
                 max_body: int = MAX_BODY) -> None:
        self.bolt, self.services = bolt, services
        self.verifier = SignatureVerifier(signing_secret)
        self.secret = signing_secret
        #: Stored rows go straight to this process's workers (``hand``), leased to ``owner``.
        self.hand, self.owner, self.policy = hand, owner, policy
        self.max_body = max_body
        #: Receipts are stored by a thread of their own, in batches (``InboxWriter``).
        self.writer = InboxWriter(services, owner=owner if hand is not None else None,
                                  policy=policy)
        self.draining = threading.Event()
        self._refused = 0  # requests refused since storing started failing

    def verified(self, headers: Any, body: bytes) -> bool:
        stamp = headers.get("x-slack-request-timestamp") or ""
        expected = self.verifier.generate_signature(timestamp=stamp,
                                                    body=body.decode("utf-8", "replace"))
        return hmac.compare_digest(expected or "", headers.get("x-slack-signature") or "")

    async def events(self, request: Request) -> Response:
        if self.draining.is_set():
            return Response(status_code=503, headers={"Retry-After": "1"})
        if not headers_look_signed(request.headers, time.time()):
            return Response(status_code=401)
        declared = request.headers.get("content-length") or ""
        if declared.isdigit() and int(declared) > self.max_body:
            return Response(status_code=413)
        try:
            raw = await read_capped(request, self.max_body)
        except TooLarge:
            return Response(status_code=413)
        except ClientDisconnect:
            return Response(status_code=400)
        if not self.verified(request.headers, raw):
            return Response(status_code=401)
        try:
            intake = parse(raw, request.headers.get("content-type") or "")
        except NotSlack:
            return Response(status_code=400)
        headers = {name: request.headers[name] for name in KEPT_HEADERS
                   if name in request.headers}
        if intake.key is None:  # a handshake: Bolt answers it
            return await run_in_threadpool(self._inline, intake.body, headers, None)
        if self.writer.stored(intake.key):
            log.info("repeated delivery of %s (retry %s) skipped", intake.key,
                     headers.get("x-slack-retry-num", "0"))
            return Response(status_code=200)
        try:
            stored = await asyncio.wrap_future(self.writer.submit(inbox.Delivery(
                key=intake.key, channel="slack", kind=intake.kind, body=intake.body,
                headers=headers, inline=intake.inline)))
        except Exception as exc:  # noqa: BLE001 - not stored, so not acknowledged
            self._refused += 1
            if self._refused == 1:  # one line for the whole outage, not one per request
                log.warning("could not store Slack requests (%s: %s): answering 503, Slack will "
                            "send them again", type(exc).__name__,
                            str(exc).splitlines()[0][:200])
            return Response(status_code=503)
        if self._refused:
            log.info("storing Slack requests again (%d refused meanwhile)", self._refused)
            self._refused = 0
        if not stored:
            log.info("repeated delivery of %s (retry %s) skipped", intake.key,
                     headers.get("x-slack-retry-num", "0"))
            return Response(status_code=200)
        if not intake.inline:
            if self.hand is not None:
                self.hand(stored)
            return Response(status_code=200)
        return await run_in_threadpool(self._inline, intake.body, headers, intake.key)

    def _inline(self, body: str, headers: dict[str, Any], key: str | None) -> Response:
        answer = self.bolt.dispatch(BoltRequest(body=body, headers=dict(headers), mode="http"))
        if key is not None and answer.status >= 500:
            # The listener failed and the error handler told the person: Slack gets its 200.
            inbox.record_inline_outcome(self.services, key, f"listener answered {answer.status}")
            return Response(status_code=200)
        return Response(status_code=answer.status, content=answer.body,
                        headers=answer.first_headers_without_set_cookie())


#: What the door answers, by path: ``(methods, handler)``.
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

    routes: Routes = {
        EVENTS_PATH: (frozenset({"POST"}), front.events),
        "/healthz": (frozenset({"GET", "HEAD"}), healthz),
        "/readyz": (frozenset({"GET", "HEAD"}), readyz),
    }

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        route = routes.get(scope["path"])
        if route is None:
            response: Response = PlainTextResponse("Not Found", status_code=404)
        elif scope["method"] not in route[0]:
            response = PlainTextResponse("Method Not Allowed", status_code=405,
                                         headers={"Allow": ", ".join(sorted(route[0]))})
        else:
            response = await route[1](Request(scope, receive))
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

    def start_workers(self) -> Desk:
        self.readiness.warm_up()
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
    desk.start_workers()
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
