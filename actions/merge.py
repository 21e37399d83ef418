"""Duplicates: merging one ticket into another, and linking two that belong together.

``/ticket merge INC-9 INTO INC-7``: INC-7 receives INC-9's story (its description, comments and
notes, each re-told on INC-7 as an internal event with its original author, time and visibility:
what INC-9's requester said is for the technicians, not for INC-7's requester), its requester and
followers (as followers) and its attachments; INC-9 is closed with a pointer to INC-7, and its
requester is told where their problem now lives. Events are never moved or edited: INC-9 keeps its
own history, INC-7 gains the copies. ``/ticket link INC-9 INC-7`` only records that they are
related, on both.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update

from actions.access import require_staff
from actions.common import now, touch, view
from actions.similar import add_follower, followers_of
from actions.views import TicketView
from store.errors import Conflict, IllegalTransition, InvalidInput
from store.lifecycle import FINAL, Status
from store.models import Attachment, Event, Follower, Ticket, TicketLink
from store.uow import UnitOfWork

#: Events whose text is carried over to the ticket a duplicate is merged into.
CARRIED = ("commented", "noted", "pending", "resolved")


def _pair(uow: UnitOfWork, source_key: str, target_key: str) -> tuple[Ticket, Ticket]:
    """Both tickets locked in id order (two merges crossing each other cannot deadlock)."""
    first, second = uow.tickets.get(source_key), uow.tickets.get(target_key)
    if first.id == second.id:
        raise InvalidInput("merge_same", key=first.key)
    for ticket in sorted((first, second), key=lambda t: t.id):
        uow.tickets.get(ticket.key, lock=True)
    return first, second


def merge(uow: UnitOfWork, *, source: str, target: str, actor_id: int) -> TicketView:
    """Close ``source`` into ``target`` (see the module's docstring); returns ``target``."""
    with uow:
        actor = uow.people.get(actor_id)
        require_staff(actor, "merge")
        dup, into = _pair(uow, source, target)
        if into.status in FINAL:
            raise IllegalTransition("merge_target_closed", key=into.key, current=into.status)
        if dup.status in FINAL:
            raise IllegalTransition("ticket_final", key=dup.key, current=dup.status)
        at = now()
        names: dict[int, str] = {}
        copied = 0
        uow.events.append(into, "merged_from", actor=actor, at=at, visibility="internal",
                          payload={"from": dup.key, "title": dup.title,
                                   "text": dup.description, "requester": dup.requester.name})
        for event in uow.session.scalars(select(Event).where(
                Event.ticket_id == dup.id, Event.type.in_(CARRIED)).order_by(Event.seq)):
            author = None
            if event.actor_id is not None:
                author = names.get(event.actor_id)
                if author is None:
                    author = names[event.actor_id] = uow.people.get(event.actor_id).name
            uow.events.append(into, "carried", actor=None, at=at, visibility="internal",
                              payload={"from": dup.key, "type": event.type, "author": author,
                                       "original_at": event.at.isoformat(),
                                       "original_visibility": event.visibility,
                                       "text": (event.payload or {}).get("text")
                                       or (event.payload or {}).get("question")
                                       or (event.payload or {}).get("summary")})
            copied += 1
        for person in [dup.requester, *followers_of(uow, dup.id)]:
            add_follower(uow, into, person, actor=actor, at=at, via=f"merge:{dup.key}")
        moved = len(uow.session.scalars(select(Attachment.id).where(
            Attachment.ticket_id == dup.id)).all())
        uow.session.execute(update(Attachment).where(Attachment.ticket_id == dup.id)
                            .values(ticket_id=into.id))
        uow.session.execute(delete(Follower).where(Follower.ticket_id == dup.id))
        uow.session.add(TicketLink(ticket_id=dup.id, other_id=into.id, kind="merged",
                                   actor_id=actor.id, created_at=at))
        dup.status, dup.closed_at = Status.CLOSED.value, at
        dup.resolution = dup.resolution or f"→ {into.key}"
        dup.sla_next_at = None
        uow.events.append(dup, "merged_into", actor=actor, at=at, payload={
            "into": into.key, "into_title": into.title, "status": dup.status,
            "comments": copied, "attachments": moved})
        touch(dup, at)
        touch(into, at)
        uow.commit()
        uow.session.refresh(into)
        return view(uow, into)


def link(uow: UnitOfWork, *, key: str, other: str, actor_id: int) -> TicketView:
    """Record that two tickets are related (both stay as they are); returns the first."""
    with uow:
        actor = uow.people.get(actor_id)
        require_staff(actor, "link")
        first, second = _pair(uow, key, other)
        existing = uow.session.scalar(select(TicketLink).where(
            ((TicketLink.ticket_id == first.id) & (TicketLink.other_id == second.id))
            | ((TicketLink.ticket_id == second.id) & (TicketLink.other_id == first.id))))
        if existing is not None:
            raise Conflict("already_linked", key=first.key, other=second.key)
        at = now()
        uow.session.add(TicketLink(ticket_id=first.id, other_id=second.id, kind="related",
                                   actor_id=actor.id, created_at=at))
        uow.events.append(first, "linked", actor=actor, at=at, visibility="internal",
                          payload={"other": second.key})
        uow.events.append(second, "linked", actor=actor, at=at, visibility="internal",
                          payload={"other": first.key})
        touch(first, at)
        touch(second, at)
        uow.commit()
        uow.session.refresh(first)
        return view(uow, first)


def links_of(uow: UnitOfWork, ticket: Ticket) -> list[dict[str, str]]:
    """``[{"key": "INC-7", "kind": "related"|"merged_into"|"merged_from"}]`` for ``ticket``."""
    out = []
    rows = uow.session.scalars(select(TicketLink).where(
        (TicketLink.ticket_id == ticket.id) | (TicketLink.other_id == ticket.id))).all()
    for row in rows:
        mine = row.ticket_id == ticket.id
        other = uow.session.get(Ticket, row.other_id if mine else row.ticket_id)
        if other is None:
            continue
        kind = row.kind if row.kind == "related" else ("merged_into" if mine else "merged_from")
        out.append({"key": other.key, "kind": kind})
    return out
