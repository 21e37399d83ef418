"""What technicians see about a ticket beyond its own fields: attachments, followers, links and
the keys it was known by. Read for ``/ticket show`` and ``deskbot ticket show``."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import select

from actions.attachments import attachments_of
from actions.merge import links_of
from actions.similar import followers_of
from store.models import TicketAlias
from store.uow import UnitOfWork


def ticket_details(uow: UnitOfWork, key: str, *, staff: bool = True) -> dict[str, Any]:
    """Plain JSON: ``attachments``, ``followers`` (names; staff only), ``links``, ``aliases``."""
    with uow:
        ticket = uow.tickets.get(key)
        aliases = sorted(uow.session.scalars(select(TicketAlias.key).where(
            TicketAlias.ticket_id == ticket.id)))
        return {
            "attachments": [asdict(a) for a in attachments_of(uow, ticket)],
            "followers": [p.name for p in followers_of(uow, ticket.id)] if staff else [],
            "links": links_of(uow, ticket),
            "aliases": aliases,
        }
