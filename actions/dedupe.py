"""Inbound deliveries are worked once: Slack re-sends events (``X-Slack-Retry-Num``), mail servers
re-send messages, possibly to another process.

The delivery's key (``slack:<event_id>``, the mail's Message-ID) is inserted in
``processed_events`` *inside the transaction that does the work*. The primary key arbitrates: a
second delivery of the same key waits for the first transaction and then finds the key taken
(PostgreSQL), or runs after it (SQLite serialises writers). If the first transaction dies before
its commit, the key goes with it, so the retry does the work instead of being dropped.
"""

from __future__ import annotations

from actions.common import now
from store.db import insert_new
from store.models import ProcessedEvent
from store.uow import UnitOfWork

MAX_KEY = 255


def first_delivery(uow: UnitOfWork, key: str) -> bool:
    """Record ``key`` in the open unit of work; False when it was worked (committed) before.

    Call it first thing in the turn, so a repeat stops before any other work.
    """
    return bool(insert_new(uow.session, ProcessedEvent,
                           {"key": key[:MAX_KEY], "received_at": now()}))


def seen(uow: UnitOfWork, key: str) -> bool:
    """True when a delivery with ``key`` was already worked (a cheap check before parsing)."""
    with uow:
        return uow.session.get(ProcessedEvent, key[:MAX_KEY]) is not None
