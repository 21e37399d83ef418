"""Small pieces every use case shares: loading a locked ticket with its actor, building views."""

from __future__ import annotations

from datetime import datetime

from actions.views import EventView, PersonView, SurveyView, TicketView
from store.domain import ticket as domain
from store.domain.events import TicketEvent
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


def loaded(uow: UnitOfWork, key: str, actor_id: int) -> tuple[domain.Ticket, domain.Actor]:
    """The ``Ticket`` aggregate under its row lock, and who acts (NotFound for either; the
    person is looked up first, as ``locked`` does)."""
    actor = uow.people.actor(actor_id)
    return uow.tickets.load(key), actor


def saved(uow: UnitOfWork, ticket: domain.Ticket, events: list[TicketEvent],
          at: datetime) -> TicketView:
    """Persist what a transition did (state and events) and end like every use case:
    ``committed``."""
    return committed(uow, uow.tickets.save(ticket, events, uow.events), at)


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
         with_history: bool = False, related: bool = True) -> TicketView:
    """Snapshot a ticket: the one builder of ``TicketView`` from the store. History is
    public-only unless the reader is staff; ``related=False`` leaves out watchers and survey
    answers (a notice or a card shows neither, and is built for every change)."""
    watchers: tuple[PersonView, ...] = ()
    survey: tuple[SurveyView, ...] = ()
    if related:
        watchers = tuple(PersonView.of(p) for p in uow.tickets.watchers(ticket))
        survey = tuple(SurveyView.of(a) for a in uow.surveys.answers(ticket))
    history: tuple[EventView, ...] = ()
    if with_history:
        events = uow.events.history(ticket, include_internal=include_internal)
        people = {pid: uow.people.get(pid) for pid in {e.actor_id for e in events if e.actor_id}}
        names = {pid: p.name for pid, p in people.items()}
        roles = {pid: p.role for pid, p in people.items()}
        history = tuple(EventView.of(e, names, roles) for e in events)
    return TicketView.of(ticket, watchers=watchers, history=history, survey=survey,
                         follower_count=uow.tickets.follower_count(ticket))
