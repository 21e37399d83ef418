"""Replies sent by delivery threads after the commit (``deskbot run``): one conversation's
messages keep their order, a slow conversation does not hold up the others, and a stopping
process can wait until everything handed over was tried."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from actions.outbox import BackgroundDelivery, OutboxItem


def _item(n: int, ref: str) -> OutboxItem:
    return OutboxItem(id=n, key=f"reply:{n}", channel="slack",
                      recipient={"type": "reply", "ref": ref}, template="reply", language="es",
                      context={}, ticket_key=None, attempts=1)


def test_one_conversation_keeps_its_order_and_a_slow_one_holds_up_no_other() -> None:
    sent: list[tuple[str, int]] = []
    lock = threading.Lock()
    slow_started = threading.Event()
    release = threading.Event()

    def deliver(items: list[OutboxItem]) -> None:
        for item in items:
            ref = item.recipient["ref"]
            if ref == "D1:slow" and not slow_started.is_set():
                slow_started.set()
                release.wait(30)  # Slack taking its time for this conversation
            with lock:
                sent.append((ref, item.id))

    delivery = BackgroundDelivery(deliver, threads=8)
    delivery.submit([_item(0, "D1:slow")])
    assert slow_started.wait(30)
    refs = [f"D2:{n}" for n in range(5)]
    for n in range(1, 41):
        delivery.submit([_item(n, refs[n % len(refs)])])
    # the other conversations go out while the slow one still waits (unless one shares its
    # queue: at most a few of 5 with 8 queues)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with lock:
            if len(sent) >= 16:
                break
        time.sleep(0.01)
    with lock:
        assert len(sent) >= 16, "conversations waited for a slow one"
    assert not delivery.wait(0.05)  # the slow one is still under way
    release.set()
    assert delivery.wait(30)
    assert len(sent) == 41
    for ref in refs:
        ids = [n for r, n in sent if r == ref]
        assert ids == sorted(ids), f"{ref} delivered out of order: {ids}"


def test_a_failing_delivery_does_not_stop_the_thread() -> None:
    sent: list[int] = []

    def deliver(items: list[OutboxItem]) -> None:
        if items[0].id == 1:
            raise RuntimeError("deliverer bug")
        sent.extend(i.id for i in items)

    delivery = BackgroundDelivery(deliver, threads=1)
    delivery.submit([_item(1, "D1:a")])
    delivery.submit([_item(2, "D1:a")])
    assert delivery.wait(30)
    assert sent == [2]


def test_what_one_commit_queued_goes_out_in_its_order() -> None:
    sent: list[int] = []

    def deliver(items: list[OutboxItem]) -> None:
        sent.extend(i.id for i in items)

    delivery = BackgroundDelivery(deliver, threads=8)
    notice = OutboxItem(id=2, key="notice:2", channel="slack", recipient={"type": "thread"},
                        template="routed", language="es", context={}, ticket_key="INC-9",
                        attempts=1)
    delivery.submit([_item(1, "D1:123"), notice, _item(3, "D1:123")])
    assert delivery.wait(30)
    assert sent == [1, 2, 3]


def _sending(services: Any, key: str, attempts: int = 1, status: str = "sending") -> OutboxItem:
    from store.models import OutboxMessage

    with services.session_factory() as session, session.begin():
        row = OutboxMessage(key=key, channel="slack", recipient={"type": "reply"},
                            template="reply", language="es", context={}, status=status,
                            attempts=attempts, last_error="slow answer")
        session.add(row)
        session.flush()
        return OutboxItem.of(row)


class _Unreachable:
    """An engine whose database refuses every connection (the dialect still answers)."""

    def __init__(self, real: Any) -> None:
        self.dialect = real.dialect

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise OperationalError("connect", {}, Exception("connection refused"))

    connect = begin = raw_connection = _refuse


def test_marks_kept_through_a_database_outage_are_written_after_it_and_said_once(
        services: Any, caplog: pytest.LogCaptureFixture) -> None:
    from actions.outbox import DeliveredMarks
    from store.models import OutboxMessage

    item = _sending(services, "reply:1")
    marks = DeliveredMarks(services)
    real = services.engine
    services.engine = _Unreachable(real)
    marks._pending.append((item.id, item.attempts, datetime.now(UTC)))
    try:
        with caplog.at_level(logging.INFO, logger="actions.outbox"):
            assert [marks.flush() for _ in range(5)] == [-1] * 5
            services.engine = real
            assert marks.flush() == 1
    finally:
        services.engine = real
    said = [r.getMessage() for r in caplog.records if r.name == "actions.outbox"]
    assert sum("not written yet" in line for line in said) == 1
    assert said[-1] == "outbox: delivered marks written again"
    with services.session_factory() as session:
        assert session.get(OutboxMessage, item.id).status == "delivered"


def test_marks_write_only_the_rows_still_under_their_claim(services: Any) -> None:
    """A row another process claimed again (more attempts), or that is no longer being sent,
    keeps what that process wrote; the others are delivered at their own time."""
    from actions.outbox import DeliveredMarks
    from store.models import OutboxMessage

    mine = [_sending(services, f"reply:{n}") for n in range(3)]
    taken_over = _sending(services, "reply:over", attempts=2)
    retried = _sending(services, "reply:again", status="pending")
    at = [datetime(2026, 3, 2, 9, n, tzinfo=UTC) for n in range(6)]
    marks = DeliveredMarks(services)
    marks._pending.extend([(mine[0].id, 1, at[0]), (taken_over.id, 1, at[1]),
                           (mine[1].id, 1, at[2]), (retried.id, 1, at[3]),
                           (mine[2].id, 1, at[4])])
    assert marks.flush() == 3
    assert marks.flush() == 0  # nothing left to write
    with services.session_factory() as session:
        rows = {row.key: row for row in session.query(OutboxMessage)}
    for n, when in ((0, at[0]), (1, at[2]), (2, at[4])):
        row = rows[f"reply:{n}"]
        assert (row.status, row.delivered_at, row.last_error) == ("delivered", when, None)
    over, again = rows["reply:over"], rows["reply:again"]
    assert (over.status, over.attempts, over.delivered_at, over.last_error) == (
        "sending", 2, None, "slow answer")
    assert (again.status, again.delivered_at) == ("pending", None)


def test_marks_kept_through_a_long_outage_are_all_written_in_the_flush_after_it(
        services: Any) -> None:
    """22,000 replies delivered while the database was away: more marks than one PostgreSQL
    statement takes parameters for (65,535, three a mark); every one is written."""
    from sqlalchemy import func, insert, select

    from actions.outbox import DeliveredMarks
    from store.models import OutboxMessage

    count = 22_000
    with services.engine.begin() as connection:
        connection.execute(insert(OutboxMessage), [
            {"key": f"reply:{n}", "channel": "slack", "recipient": {"type": "reply"},
             "template": "reply", "language": "es", "context": {}, "status": "sending",
             "attempts": 1} for n in range(count)])
        ids = connection.execute(select(OutboxMessage.id)).scalars().all()
    marks = DeliveredMarks(services)
    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    marks._pending.extend((row_id, 1, at) for row_id in ids)
    assert marks.flush() == count
    with services.session_factory() as session:
        assert session.scalar(select(func.count()).where(
            OutboxMessage.status == "delivered", OutboxMessage.delivered_at == at)) == count
