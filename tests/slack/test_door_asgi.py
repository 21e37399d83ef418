"""The door as uvicorn calls it: what Slack is answered when a body comes in pieces, too big,
half (the client went away), while the process stops, or with a timestamp that is no number.

These drive the ASGI callable directly, message by message, which a real client cannot do
precisely (a disconnect in the middle of a body, a body split at chosen points).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt import App
from sqlalchemy import select

from actions.services import Services
from bot.health import Readiness
from bot.http import SlackFront, asgi_app
from store.models import InboxItem

SECRET = "test-signing-secret"


@pytest.fixture
def front(sqlite_services: Services) -> Iterator[SlackFront]:
    bolt = App(token="xoxb-test", signing_secret=SECRET, token_verification_enabled=False)
    yield SlackFront(bolt, sqlite_services, SECRET, max_body=4000)


def _dm(event_id: str) -> bytes:
    ts = "1800000000.000001"
    return json.dumps({"type": "event_callback", "event_id": event_id, "team_id": "T0DESK",
                       "event": {"type": "message", "channel": "DUEMMA", "channel_type": "im",
                                 "user": "UEMMA", "text": "my laptop does not turn on",
                                 "ts": ts, "event_ts": ts}}).encode()


def _signed_headers(body: bytes, *, stamp: bytes | None = None) -> list[tuple[bytes, bytes]]:
    stamp = stamp if stamp is not None else str(int(time.time())).encode()
    signature = hmac.new(SECRET.encode(), b"v0:" + stamp + b":" + body,
                         hashlib.sha256).hexdigest()
    return [(b"content-type", b"application/json"), (b"x-slack-request-timestamp", stamp),
            (b"x-slack-signature", f"v0={signature}".encode())]


def _call(front: SlackFront, headers: list[tuple[bytes, bytes]],
          messages: list[dict[str, Any]]) -> tuple[int, dict[bytes, bytes]]:
    """(status, response headers) of ``POST /slack/events`` receiving ``messages``."""
    app = asgi_app(front, Readiness.__new__(Readiness))
    scope = {"type": "http", "method": "POST", "path": "/slack/events", "headers": headers,
             "query_string": b"", "http_version": "1.1", "scheme": "http", "root_path": ""}
    pending = list(messages)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if pending:
            return pending.pop(0)
        await asyncio.sleep(3600)  # a client that sends nothing more
        raise AssertionError("the door waited for a body it already had")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(asyncio.wait_for(app(scope, receive, send), timeout=30))
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], dict(start.get("headers") or [])


def _keys(services: Services) -> list[str]:
    with services.session_factory() as session:
        return list(session.scalars(select(InboxItem.key).order_by(InboxItem.id)).all())


def test_a_body_in_pieces_is_stored_whole(front: SlackFront) -> None:
    body = _dm("EvPIECES")
    pieces = [body[:10], b"", body[10:200], body[200:]]
    messages = [{"type": "http.request", "body": piece, "more_body": n < len(pieces) - 1}
                for n, piece in enumerate(pieces)]
    assert _call(front, _signed_headers(body), messages)[0] == 200
    with front.services.session_factory() as session:
        stored = session.scalars(select(InboxItem.body)).one()
    assert stored.encode() == body


def test_a_client_that_goes_away_mid_body_gets_400_and_nothing_is_stored(
        front: SlackFront) -> None:
    body = _dm("EvGONE")
    messages = [{"type": "http.request", "body": body[:50], "more_body": True},
                {"type": "http.disconnect"}]
    assert _call(front, _signed_headers(body), messages)[0] == 400
    assert _keys(front.services) == []


def test_bodies_over_the_cap_are_413_declared_or_not(front: SlackFront) -> None:
    body = b'{"type": "event_callback", "event_id": "EvBIG", "pad": "' + b"x" * 5000 + b'"}'
    headers = _signed_headers(body)
    declared = [*headers, (b"content-length", str(len(body)).encode())]
    assert _call(front, declared, [])[0] == 413  # refused before reading anything
    whole = [{"type": "http.request", "body": body, "more_body": False}]
    assert _call(front, headers, whole)[0] == 413
    chunked = [{"type": "http.request", "body": body[:3000], "more_body": True},
               {"type": "http.request", "body": body[3000:], "more_body": False}]
    assert _call(front, headers, chunked)[0] == 413
    assert _keys(front.services) == []


def test_a_stopping_process_answers_503_with_retry_after(front: SlackFront) -> None:
    body = _dm("EvSTOPPING")
    front.draining.set()
    status, headers = _call(front, _signed_headers(body),
                            [{"type": "http.request", "body": body, "more_body": False}])
    assert (status, headers.get(b"retry-after")) == (503, b"1")
    assert _keys(front.services) == []


@pytest.mark.parametrize("stamp", ["\u00b9\u00b2\u00b3".encode("latin-1"), b"9" * 5000,
                                   b"1" * 400, b"-1", b""])
def test_a_timestamp_that_is_no_number_of_seconds_is_401(front: SlackFront, stamp: bytes,
                                                           ) -> None:
    body = _dm("EvSTAMP")
    answer = _call(front, _signed_headers(body, stamp=stamp),
                   [{"type": "http.request", "body": body, "more_body": False}])
    assert answer[0] == 401
    assert _keys(front.services) == []


def test_a_signature_that_is_not_ascii_is_401(front: SlackFront) -> None:
    body = _dm("EvSIG")
    headers = [*_signed_headers(body)[:2], (b"x-slack-signature", "v0=\u00e9".encode("latin-1"))]
    answer = _call(front, headers, [{"type": "http.request", "body": body, "more_body": False}])
    assert answer[0] == 401


def test_a_signed_dm_is_stored_with_the_headers_kept_for_its_rerun(front: SlackFront) -> None:
    body = _dm("EvKEPT")
    headers = [*_signed_headers(body), (b"x-slack-retry-num", b"1"),
               (b"x-slack-retry-reason", b"http_timeout"), (b"x-slack-retry-num", b"9")]
    answer = _call(front, headers, [{"type": "http.request", "body": body, "more_body": False}])
    assert answer == (200, {b"content-length": b"0"})
    with front.services.session_factory() as session:
        row = session.scalars(select(InboxItem)).one()
    assert (row.key, row.kind, row.status) == ("slack:EvKEPT", "event", "pending")
    assert row.headers == {"content-type": "application/json", "x-slack-retry-num": "1",
                           "x-slack-retry-reason": "http_timeout"}
