"""The door and the inbox, over real HTTP: what Slack is answered, what is stored, what is lost.

Each test here is a probe that used to fail: a 500 for a bad timestamp, a 300 MB unsigned body
read whole, a refused button answered 404 after 3 seconds, a reply lost to Slack's 429s, a
request lost to a crash after its acknowledgement.
"""

from __future__ import annotations

import json
import select as selectors
import socket
import threading
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import select, update

from actions import inbox
from bot.ids import ActionId
from bot.slack.client import make_client
from store.models import InboxItem
from store.types import utcnow
from tests.slack.conftest import TRIAGE, Harness


def _rows(slack: Harness) -> list[InboxItem]:
    with slack.services.session_factory() as session:
        return list(session.scalars(select(InboxItem).order_by(InboxItem.id)).all())


def _thread_posts(slack: Harness, channel: str, thread_ts: str) -> list[dict[str, Any]]:
    return [m for m in slack.api.messages.get(channel, []) if m.get("thread_ts") == thread_ts]


def test_a_timestamp_that_is_not_a_number_is_401(slack: Harness) -> None:
    body = json.dumps({"type": "event_callback", "event_id": "EvABC", "event": {}})
    request_headers = {"X-Slack-Request-Timestamp": "abc"}
    answer = slack.post(body, "application/json", headers=request_headers)
    assert answer.status == 401
    assert _rows(slack) == []


def _flood(url: str, *, signed: bool, total: int) -> tuple[int, int]:
    """A chunked POST of up to ``total`` bytes; (status answered, bytes sent until then)."""
    host, port = url.removeprefix("http://").split(":")
    stamp = str(int(time.time()))
    head = (f"POST /slack/events HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n"
            + (f"X-Slack-Request-Timestamp: {stamp}\r\nX-Slack-Signature: v0={'0' * 64}\r\n"
               if signed else "") + "\r\n")
    chunk = b"x" * 65536
    framed = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    sent = 0
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(head.encode())
        try:
            while sent < total:
                readable, _, _ = selectors.select([sock], [], [], 0)
                if readable:
                    break  # the server answered: it is not reading any more
                sock.sendall(framed)
                sent += len(chunk)
        except OSError:
            pass
        answer = sock.recv(4096).decode(errors="replace")
    return int(answer.split()[1]), sent


def test_an_unsigned_flood_is_refused_before_it_is_read(slack: Harness) -> None:
    status, sent = _flood(slack.url, signed=False, total=300 * 1024 * 1024)
    assert status == 401
    assert sent < 300 * 1024 * 1024


def test_a_flood_with_signature_headers_is_cut_at_the_cap(slack: Harness) -> None:
    status, sent = _flood(slack.url, signed=True, total=300 * 1024 * 1024)
    assert status == 413
    assert sent < 300 * 1024 * 1024  # the server stopped reading; nothing was buffered whole


def test_a_refused_button_is_answered_200_and_the_person_told(slack: Harness) -> None:
    slack.open_ticket(slack.cast.carlos, "la impresora no imprime")
    slack.deliver()
    card = slack.card()
    # Transfer (inline: it opens a modal) pressed by an employee: the listener raises.
    answer = slack.click("UCARLOS", card, TRIAGE["L1"], ActionId.TRANSFER)
    assert answer.status == 200
    refusal = slack.api.wait_calls("chat.postEphemeral")[0].body
    assert "Solo el equipo de soporte" in refusal["text"]
    # A confirmation button for a ticket that does not exist (queued): 200, and a refusal.
    answer = slack.interact({
        "type": "block_actions", "user": {"id": "UCARLOS"}, "channel": {"id": "DUCARLOS"},
        "container": {"type": "message", "message_ts": "1800000000.000001",
                      "channel_id": "DUCARLOS"},
        "actions": [{"type": "button", "action_id": f"{ActionId.CONFIRM.value}:0",
                     "block_id": "b", "value": '/confirm_closure{"ticket_key": "INC-999"}',
                     "action_ts": str(time.time())}]})
    assert answer.status == 200
    slack.api.wait_calls("chat.postEphemeral", 2)
    slack.api.wait_for(lambda: all(row.status in ("done", "inline") for row in _rows(slack)),
                       what="both recorded as answered")


def test_a_dm_is_stored_before_it_is_acknowledged_and_repeats_are_not(slack: Harness) -> None:
    ts = "1800000000.100001"
    event = {"type": "message", "channel": "DUEMMA", "channel_type": "im", "user": "UEMMA",
             "text": "my laptop does not turn on", "ts": ts, "event_ts": ts}
    for retry in (None, 1, 2):
        assert slack.event(event, event_id="EvSTORED", retry=retry).status == 200
    slack.api.wait_for(lambda: _thread_posts(slack, "DUEMMA", ts), what="the answer")
    rows = _rows(slack)
    assert [(r.key, r.kind) for r in rows] == [("slack:EvSTORED", "event")]
    slack.api.wait_for(lambda: _rows(slack)[0].status == "done", what="row done")


def test_a_repeat_of_a_stored_delivery_is_acknowledged_without_the_database(
        slack: Harness) -> None:
    """Slack re-sends when an answer was slow, that is when the desk is busiest: a delivery
    this process stored already is acknowledged without another transaction."""
    ts = "1800000000.100003"
    event = {"type": "message", "channel": "DUEMMA", "channel_type": "im", "user": "UEMMA",
             "text": "my laptop does not turn on", "ts": ts, "event_ts": ts}
    assert slack.event(event, event_id="EvAGAIN").status == 200
    slack.api.wait_for(lambda: _thread_posts(slack, "DUEMMA", ts), what="the answer")
    stored: list[str] = []

    def begun(_connection: Any) -> None:
        if threading.current_thread().name == "inbox-writer":
            stored.append("begin")

    sa_event.listen(slack.services.engine, "begin", begun)
    try:
        for retry in (1, 2):
            assert slack.event(event, event_id="EvAGAIN", retry=retry).status == 200
    finally:
        sa_event.remove(slack.services.engine, "begin", begun)
    assert stored == []
    assert [r.key for r in _rows(slack)] == ["slack:EvAGAIN"]
    assert len(_thread_posts(slack, "DUEMMA", ts)) == 1


def test_a_dm_with_nul_and_broken_characters_is_stored_and_answered(slack: Harness) -> None:
    """PostgreSQL refuses NUL and lone surrogates in text: they are taken out before storing;
    a well-formed emoji written as an escaped pair is kept."""
    ts = "1800000000.100002"
    event = {"type": "message", "channel": "DUEMMA", "channel_type": "im", "user": "UEMMA",
             "text": "my laptop\u0000 does not turn on \ud800 \ud83d\ude00", "ts": ts,
             "event_ts": ts}
    assert slack.event(event, event_id="EvBROKEN").status == 200
    slack.api.wait_for(lambda: _thread_posts(slack, "DUEMMA", ts), what="the answer")
    stored = json.loads(_rows(slack)[0].body)["event"]["text"]
    assert stored == "my laptop does not turn on  \U0001f600"


def test_a_request_left_by_a_killed_process_is_worked_once(slack: Harness) -> None:
    """A process took the row and died (no heartbeat): once its lease is over, it is worked."""
    ts = "1800000000.200001"
    envelope = {"type": "event_callback", "event_id": "EvORPHAN", "team_id": "T0DESK",
                "api_app_id": "A0DESK", "event_time": int(time.time()),
                "authorizations": [{"team_id": "T0DESK", "user_id": "UBOT", "is_bot": True}],
                "event": {"type": "message", "channel": "DUEMMA", "channel_type": "im",
                          "user": "UEMMA", "text": "outlook does not sync", "ts": ts,
                          "event_ts": ts}}
    with slack.services.session_factory() as session, session.begin():
        session.add(InboxItem(key="slack:EvORPHAN", channel="slack", kind="event",
                              body=json.dumps(envelope),
                              headers={"content-type": "application/json"},
                              status="working", attempts=1, owner="dead-process",
                              next_attempt_at=utcnow() + timedelta(seconds=1)))
    slack.api.wait_for(lambda: _thread_posts(slack, "DUEMMA", ts), what="the answer")
    slack.api.wait_for(lambda: _rows(slack)[0].status == "done", what="row done")
    assert len(_thread_posts(slack, "DUEMMA", ts)) == 1


def test_slack_rate_limiting_and_errors_do_not_lose_the_reply(slack: Harness) -> None:
    # 429s and 500s beyond the client's own single retry: the turn is committed with its reply
    # as an outbox row, and the outbox delivers it once Slack answers again.
    slack.api.fail("chat.postMessage", status=429, retry_after=0, times=2)
    slack.api.fail("chat.postMessage", status=500, times=2)
    ts = "1800000000.300001"
    slack.event({"type": "message", "channel": "DUEMMA", "channel_type": "im", "user": "UEMMA",
                 "text": "the printer on floor 2 is jammed", "ts": ts, "event_ts": ts},
                event_id="EvLIMITED")
    slack.api.wait_for(lambda: _rows(slack) and _rows(slack)[0].status == "done",
                       what="row done")
    slack.api.wait_calls("chat.postMessage", 2)  # the first delivery, failed

    def answered() -> bool:
        slack.deliver(later=3600)  # the outbox's retries, come due
        return bool(_thread_posts(slack, "DUEMMA", ts))

    slack.api.wait_for(answered, what="the answer after the errors")
    assert len(_thread_posts(slack, "DUEMMA", ts)) == 1
    assert not slack.api.calls_to("chat.postEphemeral")  # no apology: nothing was lost


def test_a_request_that_cannot_be_worked_is_dead_lettered_and_can_be_retried(
        slack: Harness) -> None:
    # A mention whose envelope lacks its channel: the listener fails, not for a passing reason.
    ts = "1800000000.400001"
    slack.event({"type": "app_mention", "user": "UEMMA", "text": "<@UBOT> help", "ts": ts,
                 "event_ts": ts}, event_id="EvDEAD")
    slack.api.wait_for(lambda: _rows(slack) and _rows(slack)[0].status == "failed",
                       what="dead letter")
    [failed] = inbox.list_rows(slack.services, statuses=["failed"])
    assert failed.key == "slack:EvDEAD" and "KeyError" in (failed.last_error or "")
    apology = slack.api.wait_calls("chat.postMessage")[0].body  # told, in a DM
    assert apology["channel"] == "UEMMA" and "algo falló" in apology["text"]
    assert inbox.retry(slack.services, failed.id)  # an admin queues it again: worked again
    slack.api.wait_calls("chat.postMessage", 2)
    slack.api.wait_for(lambda: [r.id for r in inbox.list_rows(slack.services,
                                                              statuses=["failed"])] == [failed.id],
                       what="failed again, still listed")


def test_readiness_says_ready_and_why_not(slack: Harness) -> None:
    import urllib.error
    import urllib.request

    def readyz() -> tuple[int, dict[str, Any]]:
        try:
            with urllib.request.urlopen(f"{slack.url}/readyz", timeout=10) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    slack.api.wait_for(lambda: readyz()[0] == 200, timeout=60, what="ready")
    # A request nobody works on for longer than the limit: the inbox lags, readiness says so.
    with slack.services.session_factory() as session, session.begin():
        session.add(InboxItem(key="slack:EvLATE", channel="slack", kind="event", body="{}",
                              headers={}, status="pending", attempts=0,
                              received_at=utcnow() - timedelta(minutes=5),
                              next_attempt_at=utcnow() + timedelta(hours=1)))
    status, report = slack.api.wait_for(
        lambda: (r := readyz())[0] == 503 and r, timeout=30, what="lag reported")
    assert any("inbox lag" in p for p in report["problems"])
    # The support team hears of it in its triage channel, in the desk's language.
    slack.api.wait_for(lambda: any("va con retraso" in str(m.get("text"))
                                   for m in slack.api.messages.get(TRIAGE["L1"], [])),
                       timeout=30, what="the lag notice in the triage channel")
    with slack.services.session_factory() as session, session.begin():
        session.execute(update(InboxItem).where(InboxItem.key == "slack:EvLATE")
                        .values(status="done"))
    slack.api.wait_for(lambda: readyz()[0] == 200, timeout=30, what="ready again")
    found = inbox.stats(slack.services)
    assert found.waiting == 0 and found.counts.get("done", 0) >= 1


def test_two_processes_showing_one_card_at_once_post_it_once(slack: Harness) -> None:
    from actions.cards import ticket_snapshot as snapshot
    from bot.slack.cards import CardBusy, show_card

    ticket = slack.open_ticket(slack.cast.carlos, "el proyector no enciende")
    context = snapshot(slack.services, ticket.key)
    assert context is not None
    slack.api.slow("chat.postMessage", 0.3)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def show() -> None:
        client = make_client("xoxb-test", slack.api.url)
        start.wait()
        try:
            outcomes.append(str(show_card(slack.services, client, context)))
        except CardBusy:
            outcomes.append("busy")

    threads = [threading.Thread(target=show) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(outcomes) <= {"True", "busy"} and "True" in outcomes
    assert len(slack.api.messages.get(TRIAGE["L1"], [])) == 1
    slack.api.slow("chat.postMessage", 0)
    slack.deliver()  # the routed notice finds the card there: edited, not posted again
    assert len(slack.api.messages.get(TRIAGE["L1"], [])) == 1


def test_a_card_posted_by_a_process_that_died_before_saving_it_is_not_posted_again(
        slack: Harness) -> None:
    from actions.card_posting import CARD
    from actions.cards import ticket_snapshot as snapshot
    from bot.slack.cards import show_card
    from store.models import Conversation

    ticket = slack.open_ticket(slack.cast.carlos, "no arranca el portátil")
    context = snapshot(slack.services, ticket.key)
    assert context is not None
    client = make_client("xoxb-test", slack.api.url)
    slack.deliver()  # the card is posted (with its mark) ...
    assert len(slack.api.messages.get(TRIAGE["L1"], [])) == 1
    # ... but, as if the process had been killed right then, where it lives was not recorded:
    # the row still says "being posted", since long enough for the reservation to be stale.
    with slack.services.session_factory() as session, session.begin():
        session.execute(update(Conversation).where(
            Conversation.channel == CARD, Conversation.ref == ticket.key).values(
            state={"posting": (utcnow() - timedelta(minutes=2)).isoformat()}))
    assert show_card(slack.services, client, context) is True
    cards = slack.api.messages.get(TRIAGE["L1"], [])
    assert len(cards) == 1
    slack.deliver()  # the routed notice edits that card
    assert len(slack.api.messages.get(TRIAGE["L1"], [])) == 1
    assert ticket.key in str(slack.api.messages[TRIAGE["L1"]][0]["blocks"])
