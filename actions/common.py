"""Small pieces every use case shares: loading a locked ticket with its actor, building views."""

from __future__ import annotations

from datetime import datetime

from actions.views import EventView, PersonView, SurveyView, TicketView
from store.models import Person, Ticket
from store.types import utcnow
from store.uow import UnitOfWork


def now() -> datetime:
    """The desk's clock (UTC). One function, so time-travel tests move everything at once."""
    return utcnow()


def locked(uow: UnitOfWork, key: str, actor_id: int | None) -> tuple[Ticket, Person]:
    """The ticket under a row lock, and the acting person (NotFound for either).

    ``actor_id=None`` is the desk itself; only the use cases that allow it pass None.
    """
    actor = uow.people.get(actor_id) if actor_id is not None else None
    ticket = uow.tickets.get(key, lock=True)
    return ticket, actor  # type: ignore[return-value]  # None only where the caller allows it


def touch(ticket: Ticket, at: datetime) -> None:
    ticket.updated_at = at


def committed(uow: UnitOfWork, ticket: Ticket, at: datetime) -> TicketView:
    """Stamp the ticket as changed at ``at``, commit, and snapshot it: every use case's end.

    The refresh reloads relationships a use case changed by id (a new assignee), which the
    session would otherwise still show as they were.
    """
    touch(ticket, at)
    uow.commit()
    uow.session.refresh(ticket)
    return view(uow, ticket)


def view(uow: UnitOfWork, ticket: Ticket, *, include_internal: bool = False,
         with_history: bool = False) -> TicketView:
    """Snapshot a ticket; history is public-only unless the reader is staff."""
    watchers = tuple(PersonView.of(p) for p in uow.tickets.watchers(ticket))
    history: tuple[EventView, ...] = ()
    if with_history:
        events = uow.events.history(ticket, include_internal=include_internal)
        ids = {e.actor_id for e in events if e.actor_id}
        names = {pid: uow.people.get(pid).name for pid in ids}
        history = tuple(EventView.of(e, names) for e in events)
    survey = tuple(SurveyView.of(a) for a in uow.surveys.answers(ticket))
    return TicketView.of(ticket, watchers=watchers, history=history, survey=survey)
