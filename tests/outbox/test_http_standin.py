"""A real HTTP round trip: a loopback stand-in answers 429 (Retry-After), then 500, then ok.

The deliverer posts each message with its outbox key as an idempotency key; the stand-in
records what it accepted. The message must be accepted exactly once, after three attempts.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from actions.outbox import DeliveryError, OutboxItem, deliver_due
from tests.outbox.conftest import at, open_one, rows


class StandIn:
    def __init__(self, script: list[tuple[int, dict[str, str]]]) -> None:
        self.script = list(script)
        self.requests: list[dict] = []
        self.accepted: dict[str, dict] = {}
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                stand_in.requests.append(body)
                status, headers = stand_in.script.pop(0) if stand_in.script else (200, {})
                if status == 200:
                    stand_in.accepted.setdefault(self.headers["Idempotency-Key"], body)
                payload = json.dumps({"ok": status == 200}).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/post"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class HttpDeliverer:
    """What a webhook-style channel does: 429 and 5xx retry, other 4xx give up."""

    def __init__(self, url: str) -> None:
        self.url = url

    def deliver(self, item: OutboxItem) -> None:
        request = urllib.request.Request(
            self.url, data=json.dumps({"template": item.template, "ticket": item.ticket_key})
            .encode(), headers={"Content-Type": "application/json", "Idempotency-Key": item.key})
        try:
            urllib.request.urlopen(request, timeout=5).read()
        except urllib.error.HTTPError as exc:
            if exc.code == 429:
                raise DeliveryError("ratelimited", retryable=True,
                                    retry_after=float(exc.headers.get("Retry-After") or 1)) from exc
            raise DeliveryError(f"http_{exc.code}", retryable=exc.code >= 500) from exc
        except OSError as exc:
            raise DeliveryError(f"connection: {exc}", retryable=True) from exc


@pytest.fixture
def stand_in():
    server = StandIn([(429, {"Retry-After": "20"}), (500, {})])
    yield server
    server.close()


def test_429_then_500_then_ok_is_delivered_once(services, cast, settings, clock, stand_in):
    key = open_one(services, cast, settings)
    deliverers = {"slack": HttpDeliverer(stand_in.url)}
    for second in (0, 10, 20, 25, 30, 60, 120):
        clock.move_to(at(second))
        deliver_due(services, deliverers)
    assert len(stand_in.requests) == 3  # 429 at 0 s, 500 at 20 s (not 10 s), ok by 30 s
    assert list(stand_in.accepted) == [rows(services)[0].key]
    assert stand_in.accepted[rows(services)[0].key] == {"template": "routed", "ticket": key}
    [row] = rows(services)
    assert row.status == "delivered" and row.attempts == 3


def test_a_refused_request_is_a_permanent_failure(services, cast, settings, clock):
    server = StandIn([(404, {})])
    try:
        open_one(services, cast, settings)
        report = deliver_due(services, {"slack": HttpDeliverer(server.url)})
        assert report.failed and not server.accepted
        assert rows(services)[0].last_error == "http_404"
    finally:
        server.close()


def test_connection_refused_is_retried(services, cast, settings, clock):
    server = StandIn([])
    url = server.url
    server.close()  # nothing listens any more
    open_one(services, cast, settings)
    assert deliver_due(services, {"slack": HttpDeliverer(url)}).retried
    assert rows(services)[0].last_error.startswith("connection:")
