"""Delivering the outbox: every message the desk sends leaves through here, at least once, and
(with an idempotent deliverer) exactly once.

Rows are written by the unit of work in the same transaction as the change that causes them
(``actions.notify``); this worker hands them to the channel's ``Deliverer``. Several processes
may run it against one database at the same time:

* claiming is one short transaction: due rows (``pending``, or ``sending`` whose lease ran out) of
  the channels this process can deliver are selected (``FOR UPDATE SKIP LOCKED`` on PostgreSQL;
  SQLite's ``BEGIN IMMEDIATE`` serialises the claim) and marked ``sending`` with a lease, their
  ``attempts`` counter incremented. The counter is the claim's token: finishing a delivery only
  updates the row if ``status = 'sending'`` and ``attempts`` still match, so a slow process whose
  lease expired cannot overwrite the outcome of the process that took the row over.
* the deliverer runs *outside* any transaction (a Slack call must never hold a database lock);
* a process killed after claiming leaves the row ``sending``; once the lease is over another run
  claims it again. The message may therefore reach a deliverer twice when a process dies after the
  channel accepted it but before the outcome was written: deliverers make that harmless by being
  idempotent on ``item.key`` where the channel allows it (Slack: look for a message carrying the
  key in its ``metadata`` before posting; email: a ``Message-ID`` derived from the key, which
  mail clients collapse; console: print-once is not required).

Outcomes: delivered; ``DeliveryError(retryable=True)`` -> pending again after exponential back-off
with jitter, never sooner than ``retry_after`` (Slack's 429 ``Retry-After``); ``retryable=False``
(``channel_not_found``, ``user_not_found``, a deactivated account) -> ``failed`` with
``last_error``, shown by ``deskbot outbox list --failed`` and re-queued only by an admin's
``deskbot outbox retry ID``; too many attempts -> ``failed``. Any other exception from a deliverer
counts as retryable (it is most likely a connection error). Rows of channels with no deliverer in
this process are left untouched for a process that has one.
"""

from __future__ import annotations

import atexit
import logging
import queue
import random
import threading
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select, update

from actions.common import now as desk_now
from actions.ports import Connections, Sessions
from store.models import OutboxMessage
from store.repositories import mark_sent

log = logging.getLogger(__name__)

PENDING, SENDING, DELIVERED, FAILED = "pending", "sending", "delivered", "failed"
#: Nothing to send it to (a team with no triage channel), or replaced by a later notice.
SKIPPED = "skipped"


@dataclass(frozen=True)
class OutboxItem:
    """A plain snapshot of one outbox row, handed to a deliverer (no session, no ORM object)."""

    id: int
    key: str
    channel: str
    recipient: dict[str, Any]
    template: str
    language: str
    context: dict[str, Any]
    ticket_key: str | None
    attempts: int

    @classmethod
    def of(cls, row: OutboxMessage) -> OutboxItem:
        context = dict(row.context or {})
        ticket_key = (context.get("ticket") or {}).get("key") or (row.recipient or {}).get("ticket")
        return cls(id=row.id, key=row.key, channel=row.channel, recipient=dict(row.recipient or {}),
                   template=row.template, language=row.language, context=context,
                   ticket_key=ticket_key, attempts=row.attempts)


class DeliveryError(Exception):
    """Raised by a deliverer. ``retryable`` decides between trying later and giving up."""

    def __init__(self, reason: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.retry_after = retry_after


class Skipped(Exception):
    """Raised by a deliverer that has nowhere to send this message, by configuration (a team
    without a triage channel): recorded as ``skipped: <reason>``, neither delivered nor failed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Deliverer(Protocol):
    """Sends one message through a channel. Raises DeliveryError; returns None when delivered."""

    def deliver(self, item: OutboxItem) -> None: ...


@dataclass(frozen=True)
class RetryPolicy:
    """Back-off: ``base * 2**(attempt-1)`` capped at ``cap`` seconds, then jittered to between
    half and all of it (so a burst of failures does not retry in lock-step)."""

    base_seconds: float = 5.0
    cap_seconds: float = 3600.0
    max_attempts: int = 10
    #: Short, and renewed while a batch is delivered: a killed process's rows are sent again
    #: within this long (deliverers are idempotent on the key, so nothing is posted twice).
    lease_seconds: float = 30.0

    def delay(self, attempts: int, retry_after: float | None = None,
              rng: random.Random | None = None) -> float:
        raw = min(self.cap_seconds, self.base_seconds * 2 ** max(attempts - 1, 0))
        jittered = raw / 2 + (rng or random).uniform(0, raw / 2)
        return max(jittered, retry_after or 0.0)


DEFAULT_POLICY = RetryPolicy()


@dataclass
class DeliveryReport:
    """What one ``deliver_due`` run did (ids per outcome, for logs and the CLI)."""

    delivered: list[int] = field(default_factory=list)
    retried: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    lost_lease: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)

    @property
    def claimed(self) -> int:
        return (len(self.delivered) + len(self.retried) + len(self.failed) + len(self.lost_lease)
                + len(self.skipped))

    def summary(self) -> str:
        return (f"delivered {len(self.delivered)}, retried {len(self.retried)}, "
                f"failed {len(self.failed)}, skipped {len(self.skipped)}")


def deliver_due(services: Sessions, deliverers: Mapping[str, Deliverer], *, limit: int = 100,
                now: datetime | None = None, policy: RetryPolicy = DEFAULT_POLICY,
                ) -> DeliveryReport:
    """Claim up to ``limit`` due messages of the channels in ``deliverers`` and deliver them."""
    if not deliverers:
        return DeliveryReport()
    at = now or desk_now()
    items = claim(services, list(deliverers), limit=limit, now=at, policy=policy)
    return deliver_claimed(services, deliverers, items, now=now, policy=policy)


def deliver_claimed(services: Sessions, deliverers: Mapping[str, Deliverer],
                    items: list[OutboxItem], *, now: datetime | None = None,
                    policy: RetryPolicy = DEFAULT_POLICY, marks: DeliveredMarks | None = None,
                    ) -> DeliveryReport:
    """Deliver messages this process has claimed (by ``claim``, or in the commit that queued
    them) and record each outcome under the claim's token. The leases of those still waiting
    are renewed as the batch goes on (a heartbeat). With ``marks``, a success is recorded
    there, with others, a moment later (failures are recorded at once)."""
    report = DeliveryReport()
    renewed = time.monotonic()
    for index, item in enumerate(items):
        if time.monotonic() - renewed > policy.lease_seconds / 3:  # heartbeat
            _extend(services, items[index:], (now or desk_now()), policy)
            renewed = time.monotonic()
        try:
            deliverers[item.channel].deliver(item)
        except Skipped as exc:
            done = _finish(services, item, status=SKIPPED, last_error=f"skipped: {exc.reason}")
            (report.skipped if done else report.lost_lease).append(item.id)
        except DeliveryError as exc:
            _record_failure(services, item, exc, now or desk_now(), policy, report)
        except Exception as exc:  # noqa: BLE001 - a deliverer bug or a raw connection error
            log.warning("outbox %s: deliverer raised %r", item.id, exc)
            error = DeliveryError(f"{type(exc).__name__}: {exc}", retryable=True)
            _record_failure(services, item, error, now or desk_now(), policy, report)
        else:
            if marks is not None:
                marks.add(item, now or desk_now())
                report.delivered.append(item.id)
                continue
            done = _finish(services, item, status=DELIVERED, delivered_at=now or desk_now(),
                           last_error=None)
            (report.delivered if done else report.lost_lease).append(item.id)
    return report


class DeliveredMarks:
    """Records "delivered" for the messages sent right after their commit, many per transaction.

    Each turn's reply would otherwise cost a commit of its own just to say it went out. The
    marks wait ``linger`` seconds (or until ``flush``) and are written together, each under its
    claim's token as ``_finish`` does. Nothing is lost by the wait: should the process die
    first, the rows are still ``sending`` under their lease, the outbox worker takes them again
    once it runs out, and the deliverer finds the message already in the channel by its key
    (as after any crash between a delivery and its outcome). A stopping process writes them
    once its workers are done (``Services.flush_delivered``), and at exit.
    """

    def __init__(self, services: Connections, *, linger: float = 0.05) -> None:
        self.services, self.linger = services, linger
        self._pending: list[tuple[int, int, datetime]] = []  # (id, attempts, delivered at)
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        #: The database refused the last write: said once, and again once it works (a
        #: retry a second through a twenty-second outage would write twenty lines of the same).
        self._failing = False

    def add(self, item: OutboxItem, at: datetime) -> None:
        with self._lock:
            self._pending.append((item.id, item.attempts, at))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="outbox-marks",
                                                daemon=True)
                self._thread.start()
                atexit.register(self.flush)
        # Already set while the writer lingers (it clears the flag before it takes the marks,
        # so a mark added after that finds it clear): setting it again would only cost.
        if not self._wake.is_set():
            self._wake.set()

    def flush(self) -> int:
        """Write the marks waiting now; how many rows were still this process's to mark
        (-1: the database failed, they wait for the next round). One statement, its own
        transaction (``store.repositories.mark_sent``)."""
        with self._lock:
            marks, self._pending = self._pending, []
        if not marks:
            return 0
        try:
            written = mark_sent(self.services.engine, marks, claimed=SENDING, sent=DELIVERED)
        except Exception as exc:  # noqa: BLE001 - kept for the next round
            if not self._failing:
                log.warning("outbox: delivered marks not written yet (%s); trying again every "
                            "second", type(exc).__name__)
            self._failing = True
            with self._lock:
                self._pending[:0] = marks
            return -1
        if self._failing:
            log.info("outbox: delivered marks written again")
            self._failing = False
        return written

    def _run(self) -> None:
        while True:
            self._wake.wait()
            time.sleep(self.linger)  # let the marks of other turns join this transaction
            self._wake.clear()
            if self.flush() < 0:
                time.sleep(1.0)  # the database is away: try again in a moment
                self._wake.set()


def claim(services: Sessions, channels: list[str], *, limit: int, now: datetime,
          policy: RetryPolicy = DEFAULT_POLICY) -> list[OutboxItem]:
    """Mark due rows ``sending`` under a lease and return their snapshots (one transaction)."""
    with services.session_factory() as session, session.begin():
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.status.in_((PENDING, SENDING)),
                   OutboxMessage.next_attempt_at <= now,
                   OutboxMessage.channel.in_(channels))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = session.scalars(query).all()
        lease_until = now + timedelta(seconds=policy.lease_seconds)
        items = []
        for row in rows:
            if row.status == SENDING:
                log.warning("outbox %s: lease expired, delivering again", row.id)
            row.status, row.attempts, row.next_attempt_at = SENDING, row.attempts + 1, lease_until
            items.append(OutboxItem.of(row))
    return items


def _extend(services: Sessions, items: list[OutboxItem], at: datetime, policy: RetryPolicy) -> None:
    """Keep the rows of a batch still to deliver leased (a slow batch must not let another
    process take them over while this one still works on them)."""
    until = at + timedelta(seconds=policy.lease_seconds)
    with services.session_factory() as session, session.begin():
        for item in items:
            session.execute(update(OutboxMessage)
                            .where(OutboxMessage.id == item.id, OutboxMessage.status == SENDING,
                                   OutboxMessage.attempts == item.attempts)
                            .values(next_attempt_at=until))


def _record_failure(services: Sessions, item: OutboxItem, error: DeliveryError, at: datetime,
                    policy: RetryPolicy, report: DeliveryReport) -> None:
    reason = error.reason[:2000]
    if error.retryable and item.attempts < policy.max_attempts:
        delay = policy.delay(item.attempts, error.retry_after)
        done = _finish(services, item, status=PENDING, last_error=reason,
                       next_attempt_at=at + timedelta(seconds=delay))
        (report.retried if done else report.lost_lease).append(item.id)
        return
    if error.retryable:
        reason = f"gave up after {item.attempts} attempts: {reason}"
    log.error("outbox %s (%s) failed permanently: %s", item.id, item.key, reason)
    done = _finish(services, item, status=FAILED, last_error=reason)
    (report.failed if done else report.lost_lease).append(item.id)


def _finish(services: Sessions, item: OutboxItem, **values: Any) -> bool:
    """Write an outcome if this process still holds the claim (status and attempts unchanged)."""
    with services.session_factory() as session, session.begin():
        result = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == item.id, OutboxMessage.status == SENDING,
                   OutboxMessage.attempts == item.attempts)
            .values(**values)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def retry(services: Sessions, message_id: int, *, now: datetime | None = None) -> bool:
    """Put a failed (or waiting) message back in the queue, due now. False when there is no
    such message, it was delivered, or a worker holds it right now (``sending``: its lease
    decides). Attempts restart, so the back-off starts small again."""
    with services.session_factory() as session, session.begin():
        result = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id,
                   OutboxMessage.status.in_((FAILED, PENDING)))
            .values(status=PENDING, attempts=0, next_attempt_at=now or desk_now())
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def list_messages(services: Sessions, *, statuses: list[str] | None = None, limit: int = 100,
                  ) -> list[dict[str, Any]]:
    """Outbox rows for admins, newest first (plain dicts)."""
    with services.session_factory() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
        if statuses:
            query = query.where(OutboxMessage.status.in_(statuses))
        return [
            {"id": m.id, "key": m.key, "channel": m.channel, "recipient": m.recipient,
             "template": m.template, "language": m.language, "status": m.status,
             "attempts": m.attempts, "next_attempt_at": m.next_attempt_at,
             "last_error": m.last_error, "created_at": m.created_at,
             "delivered_at": m.delivered_at,
             "ticket": OutboxItem.of(m).ticket_key}
            for m in session.scalars(query).all()
        ]


class BackgroundDelivery:
    """Delivers what a turn queued on threads of its own, so that a turn's worker is free for
    the next turn as soon as its commit is done instead of waiting for the channel's servers
    (Slack answers a post in 50-300 ms; a turn's own work takes a few milliseconds).

    What one commit queued goes to one of ``threads`` queues, in the order it was queued (a
    reply before the ticket notice it announces), chosen by the conversation of its first
    message (the thread ref, else the ticket): one conversation's turns still go out in the
    order they were committed.
    Nothing is lost by the hand-over: the rows are claimed under a lease in the commit that
    queued them, and the outbox worker sends whatever a dying process did not.
    """

    def __init__(self, deliver: Callable[[list[OutboxItem]], Any], *, threads: int = 4) -> None:
        self._deliver = deliver
        self._queues: list[queue.SimpleQueue[list[OutboxItem]]] = [
            queue.SimpleQueue() for _ in range(max(1, threads))]
        #: Batches handed over and not tried yet, under a plain lock. ``_idle`` is notified
        #: only while somebody ``wait``s (a stopping process): every batch of a running desk
        #: would otherwise pay for a notification nobody listens to.
        self._waiting = 0
        self._watchers = 0
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        for n, q in enumerate(self._queues):
            threading.Thread(target=self._run, args=(q,), name=f"outbox-send-{n}",
                             daemon=True).start()

    def submit(self, items: list[OutboxItem]) -> None:
        if not items:
            return
        first = items[0]
        conversation = str(first.recipient.get("ref") or first.ticket_key or first.key)
        with self._lock:
            self._waiting += 1
        self._queues[zlib.crc32(conversation.encode()) % len(self._queues)].put(list(items))

    def wait(self, timeout: float) -> bool:
        """Until everything handed over was tried (a stopping process); False on timeout."""
        with self._idle:
            self._watchers += 1
            try:
                return self._idle.wait_for(lambda: self._waiting == 0, timeout)
            finally:
                self._watchers -= 1

    def _run(self, source: queue.SimpleQueue[list[OutboxItem]]) -> None:
        get, deliver, lock = source.get, self._deliver, self._lock
        while True:
            batch = get()
            try:
                deliver(batch)
            except Exception:  # noqa: BLE001 - the rows' leases run out; the worker retries
                log.exception("outbox: background delivery failed")
            finally:
                with lock:
                    self._waiting -= 1
                    if self._watchers and not self._waiting:
                        self._idle.notify_all()
