"""Replies sent by delivery threads after the commit (``deskbot run``): one conversation's
messages keep their order, a slow conversation does not hold up the others, and a stopping
process can wait until everything handed over was tried."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
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


def test_marks_kept_through_a_database_outage_are_written_after_it_and_said_once(
        caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    from actions.outbox import DeliveredMarks
    from actions.services import build_services
    from actions.settings import load_settings
    from store.models import OutboxMessage

    services = build_services(load_settings(env={}), migrate=True,
                              database_url=f"sqlite:///{tmp_path / 'desk.db'}")
    with services.session_factory() as session, session.begin():
        row = OutboxMessage(key="reply:1", channel="slack", recipient={"type": "reply"},
                            template="reply", language="es", context={}, status="sending",
                            attempts=1)
        session.add(row)
        session.flush()
        item = OutboxItem.of(row)
    marks = DeliveredMarks(services)
    real, down = services.session_factory, True

    def factory() -> Any:
        if down:
            raise OperationalError("connect", {}, Exception("connection refused"))
        return real()

    services.session_factory = factory  # type: ignore[assignment]
    marks._pending.append({"mark_id": item.id, "mark_attempts": item.attempts,
                           "mark_at": datetime.now(UTC)})
    with caplog.at_level(logging.INFO, logger="actions.outbox"):
        assert [marks.flush() for _ in range(5)] == [-1] * 5
        down = False
        assert marks.flush() == 1
    said = [r.getMessage() for r in caplog.records if r.name == "actions.outbox"]
    assert sum("not written yet" in line for line in said) == 1
    assert said[-1] == "outbox: delivered marks written again"
    with real() as session:
        assert session.get(OutboxMessage, item.id).status == "delivered"
    services.close()
