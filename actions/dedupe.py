"""Inbound deliveries are worked once: Slack re-sends events (``X-Slack-Retry-Num``), mail servers
re-send messages, possibly to another process.

The delivery's key (``slack:<event_id>``, the mail's Message-ID) is inserted in
``processed_events`` *inside the transaction that does the work*. The primary key arbitrates: a
second delivery of the same key waits for the first transaction and then finds the key taken
(PostgreSQL), or runs after it (SQLite serialises writers). If the first transaction dies before
its commit, the key goes with it, so the retry does the work instead of being dropped.

A delivery run from the inbox under the same key needs no second record: its inbox row (unique
key, stored before the acknowledgement) is marked done in the turn's own commit, and a claim
that was lost makes that commit fail. The inbox row is then the record, one statement less
per turn.
"""

from __future__ import annotations

from actions.common import now
from actions.inbox import current_job
from store.db import insert_new
from store.models import ProcessedEvent
from store.uow import UnitOfWork

MAX_KEY = 255


def first_delivery(uow: UnitOfWork, key: str) -> bool:
    """Record ``key`` in the open unit of work; False when it was worked (committed) before.

    Call it first thing in the turn, so a repeat stops before any other work.
    """
    job = current_job.get()
    if job is not None and job.done_in_commit and not job.marked \
            and job.row.key == key[:MAX_KEY]:
        return True  # the inbox row, marked done in this commit, is the delivery's record
    return bool(insert_new(uow.session, ProcessedEvent,
                           {"key": key[:MAX_KEY], "received_at": now()}))


def seen(uow: UnitOfWork, key: str) -> bool:
    """True when a delivery with ``key`` was already worked (a cheap check before parsing)."""
    with uow:
        return uow.session.get(ProcessedEvent, key[:MAX_KEY]) is not None
