"""The inbox: nothing a channel acknowledged is lost, whatever happens after the acknowledgement.

A channel adapter stores each delivery with ``receive`` *before* it acknowledges it; a re-sent
delivery finds its key taken (the de-duplication). Workers in every running process ``take`` due
rows, run the turn, and ``finish`` them: done, or pending again after a back-off when the work
failed for a reason that passes (the database or Slack unreachable, a lost race), or ``failed``
after ``max_attempts``: the dead-letter state ``deskbot inbox list --failed`` shows and
``deskbot inbox retry ID`` re-queues.

While a worker runs a row, ``current_job`` holds it. The composition root registers
``mark_done_in_commit`` on every unit of work, so a turn that commits once (dedupe key, state,
writes and outgoing messages together) also marks its row done in that very commit when the
job asks for it (``Job.done_in_commit``); otherwise the worker marks it done once the handler
returns.
"""

from __future__ import annotations

import contextvars
import logging
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from actions.common import now as desk_now
from actions.ports import Connections, Sessions
from store.inbox import (
    DONE,
    FAILED,
    INLINE,
    PENDING,
    WORKING,
    InboxRepository,
    InboxRow,
    add_new,
)
from store.models import InboxItem

log = logging.getLogger(__name__)

__all__ = ["DONE", "FAILED", "INLINE", "PENDING", "WORKING", "InboxRow", "Job", "RetryPolicy"]


@dataclass(frozen=True)
class RetryPolicy:
    """Back-off ``base * 2**(attempt-1)`` capped at ``cap``, jittered to half..all of it."""

    base_seconds: float = 1.0
    cap_seconds: float = 60.0
    max_attempts: int = 10
    lease_seconds: float = 15.0

    def delay(self, attempts: int, rng: random.Random | None = None) -> float:
        raw = min(self.cap_seconds, self.base_seconds * 2 ** max(attempts - 1, 0))
        return raw / 2 + (rng or random).uniform(0, raw / 2)


DEFAULT_POLICY = RetryPolicy()


@dataclass
class Job:
    """The row a worker is running, as the handler's units of work and error handler see it."""

    row: InboxRow
    policy: RetryPolicy = DEFAULT_POLICY
    #: Mark the row done inside the first commit the handler makes (a one-commit turn).
    done_in_commit: bool = False
    #: Set when a commit marked the row done; the worker then has nothing left to record.
    marked: bool = False
    #: A commit under way marks the row done (``marked`` once it succeeded).
    marking: bool = False
    #: A failure the handler's error handler saw (the worker decides: retry or give up).
    error: BaseException | None = None
    #: The failure will not pass by trying again (a bug, a refusal from Slack): give up now.
    permanent: bool = False
    #: Per-job counters handlers may use to make repeated side effects recognisable.
    counters: dict[str, int] = field(default_factory=dict)

    @property
    def last_attempt(self) -> bool:
        return self.row.attempts >= self.policy.max_attempts

    def next_index(self, name: str) -> int:
        self.counters[name] = self.counters.get(name, 0) + 1
        return self.counters[name]


current_job: contextvars.ContextVar[Job | None] = contextvars.ContextVar("inbox_job",
                                                                         default=None)


def passing_failure(error: BaseException) -> bool:
    """Whether trying the same request again later can succeed: the database was unreachable
    or busy, a concurrent insert won a race, the network failed. A bug or a refusal is not."""
    from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, TimeoutError

    if isinstance(error, OperationalError | IntegrityError | TimeoutError | LostClaim):
        return True
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, ConnectionError | TimeoutError | OSError)


class LostClaim(RuntimeError):
    """The row's lease ran out and another process took it over: this turn must not commit."""


def mark_done_in_commit(uow: Any) -> None:
    """``before_commit`` hook of a turn: the job's row is done in the same transaction as the
    turn's writes (``confirm_done`` records it once that commit succeeded)."""
    job = current_job.get()
    if job is None or not job.done_in_commit or job.marked or job.marking:
        return
    if not InboxRepository(uow.session).finish(job.row.id, job.row.attempts, status=DONE,
                                               done_at=desk_now(), last_error=None):
        raise LostClaim(f"inbox {job.row.id}: claim lost")
    job.marking = True


def confirm_done(uow: Any) -> None:
    """``after_commit`` hook: the commit that marked the row done went through."""
    job = current_job.get()
    if job is not None and job.marking:
        job.marking, job.marked = False, True


# --- the adapter's side ------------------------------------------------------------------------

@dataclass(frozen=True)
class Delivery:
    """What a channel adapter received, to be stored before it is acknowledged.

    ``inline``: the adapter answers it during the request (a modal within Slack's 3 seconds);
    it is recorded, never worked by the queue."""

    key: str
    channel: str
    kind: str
    body: str
    headers: dict[str, Any] = field(default_factory=dict)
    inline: bool = False


def receive(services: Connections, *, key: str, channel: str, kind: str, body: str,
            headers: dict[str, Any] | None = None, inline: bool = False,
            owner: str | None = None, policy: RetryPolicy = DEFAULT_POLICY,
            ) -> InboxRow | None:
    """Store a delivery before acknowledging it; None when the key was seen before."""
    delivery = Delivery(key=key, channel=channel, kind=kind, body=body,
                        headers=dict(headers or {}), inline=inline)
    return receive_many(services, [delivery], owner=owner, policy=policy)[0]


def receive_many(services: Connections, deliveries: list[Delivery], *, owner: str | None = None,
                 policy: RetryPolicy = DEFAULT_POLICY) -> list[InboxRow | None]:
    """Store deliveries in one statement, its own transaction; for each, its row, or
    None when its key was seen before (a re-sent delivery, also twice in one batch).

    ``owner``: the receiving process works them itself, so they are stored already leased to
    that process (no second commit to take them); should that process die, the lease runs
    out and any process takes them. A batch in which every key was seen before writes nothing
    and commits nothing.
    """
    at = desk_now()
    queued = (WORKING, 1, at + timedelta(seconds=policy.lease_seconds)) if owner is not None \
        else (PENDING, 0, at)
    values: list[dict[str, Any]] = []
    for delivery in deliveries:
        status, attempts, due = (INLINE, 0, at) if delivery.inline else queued
        values.append({"key": delivery.key[:255], "channel": delivery.channel,
                       "kind": delivery.kind, "body": delivery.body,
                       "headers": dict(delivery.headers), "status": status,
                       "attempts": attempts, "next_attempt_at": due, "received_at": at,
                       "owner": owner})
    unique = {v["key"]: v for v in reversed(values)}  # the first of each key goes in
    ids = add_new(services.engine, list(unique.values()))
    rows: list[InboxRow | None] = []
    for value in values:
        row_id = ids.pop(value["key"], None)  # popped: a second of the same key gets None
        rows.append(None if row_id is None else InboxRow(
            id=row_id, key=value["key"], channel=value["channel"], kind=value["kind"],
            body=value["body"], headers=value["headers"], status=value["status"],
            attempts=value["attempts"], next_attempt_at=value["next_attempt_at"],
            received_at=at, last_error=None, owner=value["owner"]))
    return rows


def record_inline_outcome(services: Sessions, key: str, error: str | None) -> None:
    """Note on an inline row that answering it failed (``last_error``), for the operator."""
    if error is None:
        return
    from sqlalchemy import update

    with services.session_factory() as session, session.begin():
        session.execute(update(InboxItem).where(InboxItem.key == key[:255])
                        .values(last_error=error[:2000]))


# --- the worker's side ---------------------------------------------------------------------------

def take(services: Sessions, *, owner: str, limit: int = 1, policy: RetryPolicy = DEFAULT_POLICY,
         now: datetime | None = None) -> list[InboxRow]:
    at = now or desk_now()
    with services.session_factory() as session:  # a look first: an idle poll commits nothing
        if not InboxRepository(session).any_due(at):
            return []
    with services.session_factory() as session, session.begin():
        rows = InboxRepository(session).take_due(
            now=at, lease=timedelta(seconds=policy.lease_seconds), owner=owner, limit=limit)
    for row in rows:
        if row.attempts > 1:
            log.info("inbox %s (%s): attempt %d", row.id, row.key, row.attempts)
    return rows


def extend_leases(services: Sessions, claims: list[tuple[int, int]],
                  policy: RetryPolicy = DEFAULT_POLICY) -> int:
    """Heartbeat: keep the rows this process works on leased (a killed process stops doing
    this, so its rows are free again within one lease)."""
    if not claims:
        return 0
    until = desk_now() + timedelta(seconds=policy.lease_seconds)
    with services.session_factory() as session, session.begin():
        return InboxRepository(session).extend(claims, until)


def finish(services: Sessions, job: Job, error: BaseException | None = None, *,
           now: datetime | None = None) -> str:
    """Record how the job ended; returns the row's new status (or ``lost`` when another
    process had taken it over)."""
    if job.marked and error is None:
        return DONE
    row = job.row
    repo_status: str
    values: dict[str, Any]
    if error is None:
        repo_status, values = DONE, {"status": DONE, "done_at": desk_now(), "last_error": None}
    else:
        reason = f"{type(error).__name__}: {error}"[:2000]
        if job.last_attempt or job.permanent:
            repo_status = FAILED
            values = {"status": FAILED, "last_error": f"gave up after {row.attempts} "
                                                      f"attempts: {reason}"}
        else:
            repo_status = PENDING
            delay = job.policy.delay(row.attempts)
            values = {"status": PENDING, "last_error": reason,
                      "next_attempt_at": (now or desk_now()) + timedelta(seconds=delay)}
    with services.session_factory() as session, session.begin():
        done = InboxRepository(session).finish(row.id, row.attempts, **values)
    if not done:
        return "lost"
    if repo_status == FAILED:
        log.error("inbox %s (%s) failed permanently: %s", row.id, row.key, values["last_error"])
    return repo_status


def release_orphans(services: Sessions, *, host: str, me: str, alive: Any) -> int:
    """Rows held by processes of this host that are gone (a restart after a crash): due now,
    instead of when their lease runs out. ``alive(pid)`` says whether a process exists;
    owners are ``host:pid:nonce``, so this process's own pid with another nonce is a
    previous life (a container restarts with the same pid)."""
    from sqlalchemy import select, update

    released = 0
    with services.session_factory() as session, session.begin():
        rows = session.execute(select(InboxItem.id, InboxItem.owner).where(
            InboxItem.status == WORKING, InboxItem.owner.like(f"{host}:%"))).all()
        for row_id, owner in rows:
            _, pid, nonce = (str(owner).split(":") + ["", ""])[:3]
            mine = f"{host}:{pid}:{nonce}" == me
            if mine or not pid.isdigit():
                continue
            if int(pid) == int(me.split(":")[1]) or not alive(int(pid)):
                result = session.execute(
                    update(InboxItem).where(InboxItem.id == row_id,
                                            InboxItem.status == WORKING,
                                            InboxItem.owner == owner)
                    .values(status=PENDING, next_attempt_at=desk_now(), owner=None))
                released += int(result.rowcount)  # type: ignore[attr-defined]
    if released:
        log.warning("inbox: %d rows of a process that is gone are due again", released)
    return released


def give_back(services: Sessions, claims: list[tuple[int, int]]) -> int:
    """Return rows this process will not finish (a drain that ran out of time): due now."""
    given = 0
    with services.session_factory() as session, session.begin():
        repo = InboxRepository(session)
        for row_id, attempts in claims:
            given += int(repo.finish(row_id, attempts, status=PENDING,
                                     next_attempt_at=desk_now(), owner=None))
    return given


# --- operators ------------------------------------------------------------------------------------

def retry(services: Sessions, row_id: int) -> bool:
    with services.session_factory() as session, session.begin():
        return InboxRepository(session).requeue(row_id, desk_now())


def list_rows(services: Sessions, *, statuses: list[str] | None = None, limit: int = 100,
              ) -> list[InboxRow]:
    with services.session_factory() as session:
        return InboxRepository(session).listing(statuses=statuses, limit=limit)


@dataclass(frozen=True)
class InboxStats:
    counts: dict[str, int]
    lag_seconds: float  # age of the oldest row not done yet; 0 when none waits

    @property
    def waiting(self) -> int:
        return self.counts.get(PENDING, 0) + self.counts.get(WORKING, 0)


def stats(services: Sessions, now: datetime | None = None) -> InboxStats:
    with services.session_factory() as session:
        repo = InboxRepository(session)
        counts, oldest = repo.counts(), repo.oldest_waiting()
    lag = max(0.0, ((now or desk_now()) - oldest).total_seconds()) if oldest else 0.0
    return InboxStats(counts=counts, lag_seconds=lag)


def purge(services: Sessions, *, keep_days: float = 7.0) -> int:
    """Forget finished rows older than ``keep_days`` (Slack re-sends within minutes)."""
    with services.session_factory() as session:
        purged = InboxRepository(session).purge_done(desk_now() - timedelta(days=keep_days))
        if purged:  # nothing to forget (most runs): nothing to commit
            session.commit()
        return purged
