"""The inbox's queries: store a delivery once, lease due rows, record outcomes, count the lag.

No commits here: ``actions.inbox`` opens each short transaction. Taking due rows is one
``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several processes share the queue without
waiting on each other; SQLite's ``BEGIN IMMEDIATE`` serialises it. A lease is the row's
``next_attempt_at`` while it is ``working``; ``attempts`` is the claim's token: an outcome is
written only while status and attempts are still the ones this process claimed, so a process
whose lease ran out cannot overwrite the work of the one that took the row over.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import Engine, Table, bindparam, func, select, tuple_, update
from sqlalchemy.orm import Session

from store import lean
from store.db import autocommit_connection, execute_write, insert_ignoring
from store.models import InboxItem

PENDING, WORKING, DONE, FAILED, INLINE = "pending", "working", "done", "failed", "inline"


@dataclass(frozen=True)
class InboxRow:
    """A plain snapshot of one row (no session attached)."""

    id: int
    key: str
    channel: str
    kind: str
    body: str
    headers: dict[str, Any]
    status: str
    attempts: int
    next_attempt_at: datetime
    received_at: datetime
    last_error: str | None
    owner: str | None

    @classmethod
    def of(cls, row: InboxItem) -> InboxRow:
        return cls(id=row.id, key=row.key, channel=row.channel, kind=row.kind, body=row.body,
                   headers=dict(row.headers or {}), status=row.status, attempts=row.attempts,
                   next_attempt_at=row.next_attempt_at, received_at=row.received_at,
                   last_error=row.last_error, owner=row.owner)


class InboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def any_due(self, now: datetime) -> bool:
        return self.session.scalar(
            select(InboxItem.id).where(InboxItem.status.in_((PENDING, WORKING)),
                                       InboxItem.next_attempt_at <= now).limit(1)) is not None

    def take_due(self, *, now: datetime, lease: timedelta, owner: str, limit: int,
                 ) -> list[InboxRow]:
        """Lease up to ``limit`` due rows (pending, or working with a lapsed lease)."""
        query = (select(InboxItem)
                 .where(InboxItem.status.in_((PENDING, WORKING)),
                        InboxItem.next_attempt_at <= now)
                 .order_by(InboxItem.next_attempt_at, InboxItem.id)
                 .limit(limit))
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        taken = []
        for row in self.session.scalars(query).all():
            row.status, row.attempts, row.owner = WORKING, row.attempts + 1, owner
            row.next_attempt_at = now + lease
            taken.append(InboxRow.of(row))
        return taken

    def finish(self, row_id: int, attempts: int, **values: Any) -> bool:
        """Write an outcome while the claim (status working, same attempts) still holds."""
        result = execute_write(self.session, _finish_statement(tuple(sorted(values))),
                               {"row_id": row_id, "claimed": attempts, **values})
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def extend(self, claims: Sequence[tuple[int, int]], until: datetime) -> int:
        """Push the leases of the rows this process is working on to ``until``: one statement
        for all of them (a busy process holds dozens), each still under its own claim."""
        if not claims:
            return 0
        result = self.session.execute(
            update(InboxItem)
            .where(InboxItem.status == WORKING,
                   tuple_(InboxItem.id, InboxItem.attempts).in_(list(claims)))
            .values(next_attempt_at=until)
            .execution_options(synchronize_session=False))
        return int(result.rowcount)  # type: ignore[attr-defined]

    def requeue(self, row_id: int, now: datetime) -> bool:
        """Due again now, attempts from zero (an admin's retry of a failed row)."""
        result = self.session.execute(
            update(InboxItem)
            .where(InboxItem.id == row_id, InboxItem.status.in_((FAILED, PENDING)))
            .values(status=PENDING, attempts=0, next_attempt_at=now, owner=None))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def listing(self, *, statuses: Sequence[str] | None, limit: int) -> list[InboxRow]:
        query = select(InboxItem).order_by(InboxItem.id.desc()).limit(limit)
        if statuses:
            query = query.where(InboxItem.status.in_(tuple(statuses)))
        return [InboxRow.of(row) for row in self.session.scalars(query).all()]

    def counts(self) -> dict[str, int]:
        rows = self.session.execute(
            select(InboxItem.status, func.count()).group_by(InboxItem.status)).all()
        return {status: int(n) for status, n in rows}

    def oldest_waiting(self) -> datetime | None:
        """When the oldest row not yet done was received (the queue's lag starts there)."""
        return self.session.scalar(
            select(func.min(InboxItem.received_at))
            .where(InboxItem.status.in_((PENDING, WORKING))))

    def purge_done(self, before: datetime) -> int:
        """Forget finished rows received before ``before`` (their keys no longer dedupe)."""
        from sqlalchemy import delete

        result = self.session.execute(
            delete(InboxItem).where(InboxItem.status.in_((DONE, INLINE)),
                                    InboxItem.received_at < before))
        return int(result.rowcount)  # type: ignore[attr-defined]


def add_new(engine: Engine, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Insert the rows whose keys are not taken, in one statement that is its own
    transaction; key -> id of those inserted (a row whose key was taken is not among them).
    Keys go in sorted, so two processes storing overlapping batches at once take the key
    locks in the same order. The door's writer stores every batch of receipts with it.

    On PostgreSQL through psycopg the statement runs in autocommit on the driver's own
    cursor: a multi-row ``INSERT ... ON CONFLICT DO NOTHING`` is atomic by itself, so the
    batch goes in whole or not at all without a ``BEGIN`` and a ``COMMIT`` around it, and its
    text is built once per batch size (the driver prepares it after a few uses). Elsewhere
    (SQLite, another driver) it is one statement on a bare connection, committed only when it
    stored something."""
    if not rows:
        return {}
    ordered = sorted(rows, key=itemgetter("key"))
    if lean.on_psycopg(engine.dialect):
        params: list[Any] = []
        for row in ordered:
            params.extend([row[name] for name in _ADD_COLUMNS])
            params.append(json.dumps(row["headers"]))
        with autocommit_connection(engine) as driver:
            return dict(driver.execute(_add_new_sql(len(ordered)), params).fetchall())
    with engine.connect() as connection:  # closing it rolls back what failed
        result = connection.execute(_add_new_statement(engine.dialect.name), ordered)
        ids = {key: row_id for key, row_id in result.all()}
        if ids:
            connection.commit()
        return ids


#: The columns the door's insert writes, in the order of its parameters; then "headers".
_ADD_COLUMNS = ("key", "channel", "kind", "body", "status", "attempts", "next_attempt_at",
                "received_at", "owner")


@functools.cache
def _add_new_sql(rows: int) -> str:
    """The door's insert of ``rows`` receipts on PostgreSQL (the headers are JSON text)."""
    one = "(" + "%s, " * len(_ADD_COLUMNS) + "%s::jsonb)"
    columns = ", ".join(f'"{name}"' for name in (*_ADD_COLUMNS, "headers"))
    return (f'INSERT INTO "{InboxItem.__tablename__}" ({columns}) VALUES '
            f'{", ".join([one] * rows)} ON CONFLICT DO NOTHING RETURNING "key", "id"')


@functools.cache
def _finish_statement(columns: tuple[str, ...]) -> Any:
    """A plain table UPDATE (no inbox row is in memory), built once per set of columns: every
    turn run from the inbox writes its outcome with one."""
    table = cast(Table, InboxItem.__table__)
    return (update(table)
            .where(table.c.id == bindparam("row_id"), table.c.status == WORKING,
                   table.c.attempts == bindparam("claimed"))
            .values({name: bindparam(name) for name in columns}))


@functools.cache
def _add_new_statement(dialect: str) -> Any:
    """The door's insert (every Slack delivery passes through it), built once per database."""
    table = cast(Table, InboxItem.__table__)
    return insert_ignoring(dialect, table).returning(table.c.key, table.c.id)
