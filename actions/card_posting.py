"""Posting a triage card once, whichever processes are working on its ticket at that moment.

A card is posted when a ticket is routed and again when it moves to a team with another
channel; a reply, a claim and a transfer landing in two processes at once would each post one
without this. The card's row (``conversations``, channel ``slack-card``) is reserved first: a
compare-and-set on ``updated_at``, or the unique (channel, ref) for the first card, lets one
process post while the other is told ``CardBusy`` and tries again once the card is there. A
reservation older than ``POSTING_TIMEOUT`` belonged to a process that died while posting; the
one taking it over looks for the card in the channel before posting it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from actions.ports import UnitsOfWork
from store.models import Conversation
from store.types import utcnow

CARD = "slack-card"


class CardBusy(Exception):
    """Another process is posting this ticket's card right now; try again in a moment."""


#: A reservation older than this belongs to a process that died while posting.
POSTING_TIMEOUT = timedelta(seconds=60)


def reserve_posting(services: UnitsOfWork, key: str) -> dict[str, Any] | None:
    """Mark the card as being posted by this process; its state before, or None when another
    process holds a fresh reservation. Compare-and-set on ``updated_at``, so of two processes
    reading the same state one wins; the other reads again. Inside a turn it joins the turn's
    transaction (its row lock then holds the other process off until the turn commits)."""
    for _ in range(5):
        with services.uow() as uow:
            session = uow.session
            row = session.scalar(select(Conversation).where(
                Conversation.channel == CARD, Conversation.ref == key))
            now = utcnow()
            if row is None:
                try:
                    with uow.savepoint():
                        session.add(Conversation(channel=CARD, ref=key, updated_at=now,
                                                 state={"posting": now.isoformat()}))
                        session.flush()
                except IntegrityError:
                    continue  # another process inserted it first: read it again
                uow.commit()
                return {}
            state = dict(row.state or {})
            since = state.get("posting")
            stale = since and now - datetime.fromisoformat(since) > POSTING_TIMEOUT
            if since and not stale:
                return None
            taken = session.execute(
                update(Conversation)
                .where(Conversation.id == row.id, Conversation.updated_at == row.updated_at)
                .values(state={**state, "posting": now.isoformat()}, updated_at=now))
            uow.commit()
            if taken.rowcount:  # type: ignore[attr-defined]
                return {**state, "taken_over": bool(stale)}
    return None
