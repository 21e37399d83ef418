"""Where each ticket's card lives in a channel, and the snapshot the card shows.

A chat channel keeps one card per ticket in its team's channel, edited in place as the ticket
changes. Any process may update it, so where it lives (and a fingerprint of what it shows) is
kept in the database: ``conversations`` rows of channel ``<channel>-card``, ref = ticket key.
The channel's deliverer calls these use cases; it never touches the database itself.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from actions.common import view
from actions.services import Services
from store.models import Conversation, Ticket
from store.types import utcnow


def _surface(channel: str) -> str:
    return f"{channel}-card"


def card_state(services: Services, key: str, *, channel: str = "slack") -> dict[str, Any] | None:
    """What the channel recorded about the card of ticket ``key`` (None: no card yet)."""
    with services.uow() as uow:
        row = uow.session.scalar(select(Conversation).where(
            Conversation.channel == _surface(channel), Conversation.ref == key))
        return dict(row.state or {}) if row else None


def save_card(services: Services, key: str, state: dict[str, Any], *,
              channel: str = "slack") -> None:
    """Record where the card of ``key`` lives; a concurrent first save by another process wins
    (its card is as good as ours)."""
    with services.uow() as uow:
        row = uow.session.scalar(select(Conversation).where(
            Conversation.channel == _surface(channel), Conversation.ref == key))
        if row is None:
            uow.session.add(Conversation(channel=_surface(channel), ref=key, state=dict(state)))
        else:
            row.state, row.updated_at = dict(state), utcnow()
        try:
            uow.commit()
        except IntegrityError:
            uow.rollback()


def ticket_snapshot(services: Services, key: str) -> dict[str, Any] | None:
    """The ticket's snapshot as cards and notices show it (``TicketView.as_context``), plus
    whether a target is already missed, so a breach notice re-renders the card with its flag."""
    with services.uow() as uow:
        ticket = uow.session.scalar(select(Ticket).where(Ticket.key == key))
        if ticket is None:
            return None
        return view(uow, ticket, related=False).as_context(at=utcnow())


def ticket_thread(services: Services, key: str | None, *, channel: str) -> str | None:
    """The ref of the thread ticket ``key`` was opened in, when it was opened in ``channel``."""
    if not key:
        return None
    with services.uow() as uow:
        ticket = uow.session.scalar(select(Ticket).where(Ticket.key == key))
        return ticket.channel_ref if ticket is not None and ticket.channel == channel else None
