"""The same problem reported twice: finding an open ticket like a new one, and joining it.

When an office loses its network, ten people write within minutes. Instead of ten tickets the
second person is offered the first one ("Parece el mismo problema que INC-7 (abierto hace 10 min):
¿sumarme?"); joining makes them a *follower*, told of every public update and of the resolution,
never of private notes. Three followers or more make a ticket a *major incident*, flagged on its
triage card.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from rapidfuzz import fuzz
from sqlalchemy import func, select

from actions.common import committed, locked, now
from actions.views import MAJOR_INCIDENT, TicketView
from kb.text import fold
from store.errors import Conflict, IllegalTransition
from store.lifecycle import ACTIVE
from store.models import Follower, Person, Ticket
from store.uow import UnitOfWork

#: How far back an open ticket counts as "the same problem" at all.
WINDOW = timedelta(hours=24)
#: Text similarity (0-100) that makes two reports the same problem ...
SAME_TEXT = 72
#: ... or this much when the other ticket was opened within ``BURST`` (many reports at once).
BURST_TEXT = 55
BURST = timedelta(minutes=30)


@dataclass(frozen=True)
class Similar:
    key: str
    title: str
    score: float
    opened_at: datetime
    minutes_ago: int
    followers: int


def similarity(a: str, b: str) -> float:
    """How alike two problem descriptions are (0-100), typos and word order aside."""
    left, right = fold(a), fold(b)
    if not left or not right:
        return 0.0
    return max(fuzz.token_set_ratio(left, right), fuzz.token_sort_ratio(left, right))


def find_similar(uow: UnitOfWork, *, text: str, category: str, requester_id: int,
                 at: datetime | None = None) -> Similar | None:
    """The open ticket of ``category`` most like ``text`` (not the requester's own), or None."""
    at = at or now()
    with uow:
        candidates = uow.session.scalars(
            select(Ticket).where(Ticket.status.in_([s.value for s in ACTIVE]),
                                 Ticket.category == category,
                                 Ticket.requester_id != requester_id,
                                 Ticket.created_at >= at - WINDOW)
            .order_by(Ticket.created_at.desc()).limit(200)
        ).unique().all()
        best: tuple[float, Ticket] | None = None
        for ticket in candidates:
            if is_follower(uow, ticket.id, requester_id):
                continue
            score = similarity(text, f"{ticket.title} {ticket.description}")
            needed = BURST_TEXT if at - ticket.created_at <= BURST else SAME_TEXT
            if score >= needed and (best is None or score > best[0]):
                best = (score, ticket)
        if best is None:
            return None
        score, ticket = best
        return Similar(key=ticket.key, title=ticket.title, score=round(score, 1),
                       opened_at=ticket.created_at,
                       minutes_ago=max(0, int((at - ticket.created_at).total_seconds() // 60)),
                       followers=follower_count(uow, ticket.id))


def is_follower(uow: UnitOfWork, ticket_id: int, person_id: int) -> bool:
    return uow.session.get(Follower, (ticket_id, person_id)) is not None


def follower_count(uow: UnitOfWork, ticket_id: int) -> int:
    return int(uow.session.scalar(
        select(func.count()).select_from(Follower).where(Follower.ticket_id == ticket_id)) or 0)


def followers_of(uow: UnitOfWork, ticket_id: int) -> list[Person]:
    return list(uow.session.scalars(
        select(Person).join(Follower, Follower.person_id == Person.id)
        .where(Follower.ticket_id == ticket_id).order_by(Follower.added_at)).all())


def add_follower(uow: UnitOfWork, ticket: Ticket, person: Person, *, actor: Person | None,
                 at: datetime, via: str = "joined") -> bool:
    """Make ``person`` a follower of ``ticket`` (inside the caller's transaction); False when
    they already follow it or asked for it themselves. Appends the ``follower_added`` event."""
    if person.id == ticket.requester_id or is_follower(uow, ticket.id, person.id):
        return False
    uow.session.add(Follower(ticket_id=ticket.id, person_id=person.id, added_at=at))
    uow.session.flush()
    count = follower_count(uow, ticket.id)
    uow.events.append(ticket, "follower_added", actor=actor, at=at, visibility="internal",
                      payload={"person": person.name, "person_id": person.id, "via": via,
                               "followers": count, "major": count >= MAJOR_INCIDENT})
    return True


def join(uow: UnitOfWork, *, key: str, person_id: int) -> TicketView:
    """An employee with the same problem joins an open ticket as a follower."""
    with uow:
        ticket, person = locked(uow, key, person_id)
        if ticket.status not in {s.value for s in ACTIVE}:
            raise IllegalTransition("ticket_final", key=ticket.key, current=ticket.status)
        at = now()
        if not add_follower(uow, ticket, person, actor=person, at=at):
            raise Conflict("already_following", key=ticket.key)
        return committed(uow, ticket, at)
