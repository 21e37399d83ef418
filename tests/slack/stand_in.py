"""A local stand-in for Slack's Web API: records every call and answers as Slack does.

``ThreadingHTTPServer`` on a loopback port; ``url`` is the ``base_url`` for ``WebClient``
(``DESKBOT_SLACK_API_URL``). Calls are kept with their decoded body (JSON or form, with JSON
fields such as ``blocks`` decoded). Scripted failures answer a method with ``ok: false`` and an
error code, an HTTP status (500), or 429 with ``Retry-After``. ``response_url`` endpoints
(``/respond/<name>``) are recorded as calls of method ``respond``.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

BOT_USER_ID, BOT_ID, TEAM_ID = "UBOT", "BBOT", "T0DESK"


@dataclass
class Call:
    method: str
    body: dict[str, Any]
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)
    path: str = ""


@dataclass
class Failure:
    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    times: int = 1


def _decode(raw: bytes, content_type: str) -> dict[str, Any]:
    text = raw.decode("utf-8") if raw else ""
    if "json" in content_type:
        return json.loads(text or "{}")
    body: dict[str, Any] = {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}
    for key, value in list(body.items()):
        if isinstance(value, str) and value[:1] in "[{":
            with contextlib.suppress(json.JSONDecodeError):
                body[key] = json.loads(value)
    return body


class SlackStandIn:
    def __init__(self, users: dict[str, dict[str, Any]] | None = None) -> None:
        self.users = dict(users or {})
        self.calls: list[Call] = []
        self.failures: dict[str, list[Failure]] = {}
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.delays: dict[str, float] = {}
        self.uploads: dict[str, bytes] = {}  # file id -> the bytes files_upload_v2 sent
        #: Methods whose calls are held (recorded, then left unanswered) until ``release``.
        self.held: dict[str, threading.Event] = {}
        self._ts = itertools.count(1)
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; with Nagle on, a kept-alive connection
            # waits for the client's delayed ACK (~40 ms) between them. Slack's servers do not.
            disable_nagle_algorithm = True

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if self.path.startswith("/upload/"):  # files_upload_v2's step 2: raw bytes
                    stand_in.uploads[self.path.removeprefix("/upload/")] = raw
                    self.send_response(200)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"OK")
                    return
                status, headers, payload = stand_in.handle(
                    self.path, _decode(raw, self.headers.get("Content-Type") or ""),
                    dict(self.headers.items()))
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)  # quick to stop

    # --- lifecycle ---------------------------------------------------------------------------
    def start(self) -> SlackStandIn:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def url(self) -> str:
        return f"{self.root}/api/"

    def response_url(self, name: str = "cmd") -> str:
        return f"{self.root}/respond/{name}"

    # --- scripting and inspection -------------------------------------------------------------
    def fail(self, method: str, *, error: str | None = None, status: int = 200,
             retry_after: int | None = None, times: int = 1) -> None:
        with self._lock:
            self.failures.setdefault(method, []).append(
                Failure(status=status, error=error, retry_after=retry_after, times=times))

    def slow(self, method: str, seconds: float) -> None:
        """Answer ``method`` only after ``seconds`` (a slow Slack widens race windows)."""
        self.delays[method] = seconds

    def hold(self, method: str) -> None:
        """Leave calls of ``method`` hanging (recorded, unanswered): a process can then be
        killed while it waits on Slack. ``release`` answers them with a 500, storing nothing."""
        with self._lock:
            self.held[method] = threading.Event()

    def release(self, method: str) -> None:
        with self._lock:
            gate = self.held.pop(method, None)
        if gate is not None:
            gate.set()

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def calls_since(self, seen: int) -> list[Call]:
        """Calls recorded after the first ``seen`` (a watcher reads each call once)."""
        with self._lock:
            return self.calls[seen:]

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 60.0,
                 what: str = "condition") -> Any:
        """Block until ``predicate()`` is truthy (re-checked on every recorded call, and every
        50 ms). The predicate runs without the stand-in's lock: it may read the database while
        the desk, holding a transaction, is calling the stand-in."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out waiting for {what}; calls: "
                                     f"{[c.method for c in self.calls_to_all()]}")
            with self._changed:
                self._changed.wait(min(remaining, 0.05))

    def calls_to_all(self) -> list[Call]:
        with self._lock:
            return list(self.calls)

    def wait_calls(self, method: str, count: int = 1, timeout: float = 60.0) -> list[Call]:
        return self.wait_for(lambda: (len(self.calls_to(method)) >= count
                                      and self.calls_to(method)), timeout,
                             f"{count} x {method}")

    # --- answering ------------------------------------------------------------------------------
    def handle(self, path: str, body: dict[str, Any], headers: dict[str, str],
               ) -> tuple[int, dict[str, str], dict[str, Any]]:
        if path.startswith("/respond/"):
            method = "respond"
        else:
            method = path.split("?")[0].removeprefix("/api/")
        if self.delays.get(method):
            time.sleep(self.delays[method])
        with self._changed:
            self.calls.append(Call(method, body, headers, path=path))
            self._changed.notify_all()
            failure = self._next_failure(method)
            gate = self.held.get(method)
        if gate is not None:
            gate.wait(timeout=300)
            return 500, {}, {"ok": False, "error": "internal_error"}
        if failure is not None:
            extra = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None \
                else {}
            if failure.status == 429:
                return 429, extra, {"ok": False, "error": "ratelimited"}
            if failure.status >= 500:
                return failure.status, extra, {"ok": False, "error": "internal_error"}
            return failure.status, extra, {"ok": False, "error": failure.error or "fatal_error"}
        return 200, {}, self.answer(method, body)

    def _next_failure(self, method: str) -> Failure | None:
        queue = self.failures.get(method) or []
        if not queue:
            return None
        failure = queue[0]
        failure.times -= 1
        if failure.times <= 0:
            queue.pop(0)
        return failure

    def _next_ts(self) -> str:
        return f"1700000000.{next(self._ts):06d}"

    def answer(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "url": "https://desk.example.slack.com/", "team": "Desk",
                    "user": "deskbot", "team_id": TEAM_ID, "user_id": BOT_USER_ID,
                    "bot_id": BOT_ID}
        if method in ("chat.postMessage", "chat.update"):
            channel = str(body.get("channel"))
            if channel.startswith("U"):  # posting to a user id lands in the DM
                channel = "D" + channel
            ts = body.get("ts") if method == "chat.update" else self._next_ts()
            message = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "ts": ts,
                       "text": body.get("text"), "blocks": body.get("blocks"),
                       "thread_ts": body.get("thread_ts"), "metadata": body.get("metadata")}
            with self._lock:
                stored = self.messages.setdefault(channel, [])
                if method == "chat.update" and not any(m["ts"] == ts for m in stored):
                    return {"ok": False, "error": "message_not_found"}  # e.g. an ephemeral one
                if method == "chat.update":
                    stored[:] = [message if m["ts"] == ts else m for m in stored]
                else:
                    stored.append(message)
            return {"ok": True, "channel": channel, "ts": ts, "message": message,
                    "text": body.get("text")}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ts):06d}"
            return {"ok": True, "file_id": file_id, "upload_url": f"{self.root}/upload/{file_id}"}
        if method == "files.completeUploadExternal":
            files = [{"id": f["id"], "title": f.get("title"), "name": f.get("title")}
                     for f in body.get("files") or []]
            channel = str(body.get("channel_id") or "")
            with self._lock:
                self.messages.setdefault(channel, []).append(
                    {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID,
                     "ts": self._next_ts(), "text": body.get("initial_comment"),
                     "files": files})
            return {"ok": True, "files": files}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._next_ts()}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(body.get("users"))}}
        if method in ("conversations.replies", "conversations.history"):
            with self._lock:
                stored = list(self.messages.get(str(body.get("channel")), []))
            if method == "conversations.replies":
                stored = [m for m in stored if body.get("ts") in (m["ts"], m.get("thread_ts"))]
            return {"ok": True, "messages": stored, "has_more": False}
        if method == "users.info":
            user_id = str(body.get("user"))
            user = self.users.get(user_id)
            if user is None:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "user": user}
        if method == "users.list":  # cursor = index of the next member, as an opaque string
            members = list(self.users.values())
            start, limit = int(body.get("cursor") or 0), int(body.get("limit") or 100)
            end = start + limit
            return {"ok": True, "members": members[start:end],
                    "response_metadata": {"next_cursor": str(end) if end < len(members) else ""}}
        if method in ("views.open", "views.publish", "views.update", "views.push"):
            return {"ok": True, "view": {"id": f"V{next(self._ts):06d}",
                                         **(body.get("view") or {})}}
        return {"ok": True}


def slack_user(user_id: str, name: str, *, email: str | None = None, tz: str = "UTC",
               locale: str = "en-US") -> dict[str, Any]:
    """A ``users.info`` user object as Slack returns it."""
    return {"id": user_id, "team_id": TEAM_ID, "name": name.split()[0].lower(),
            "real_name": name, "tz": tz, "locale": locale, "is_bot": False,
            "profile": {"real_name": name, "display_name": name.split()[0],
                        "email": email}}
