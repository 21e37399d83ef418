"""What technicians do to a ticket: claim, reply, private notes, transfer and escalate, invite a
colleague, ask the requester (pending), resume, resolve, reopen, cancel, re-prioritise.

Each function is one transaction and reads load -> call -> commit: it loads the ``Ticket``
aggregate under its row lock (``uow.tickets.load``), calls one transition, which checks the
actor's role and the state machine and returns the events, and saves state and events in the
unit of work (``saved``). A refusal raises before anything is written.
"""

from __future__ import annotations

from actions import sla_clock
from actions.access import STAFF, require_staff
from actions.common import committed, loaded, locked, now, saved
from actions.learning import learn, phrasing
from actions.settings import Settings
from actions.sla_clock import stopwatch_of
from actions.text import clean
from actions.views import TicketView
from store.errors import Conflict, InvalidInput, RoleRefused
from store.priority import PRIORITIES
from store.uow import UnitOfWork

#: The default escalation ladder; config.yml's teams (``escalates_to``) give the real one.
ESCALATION = {"L1": "L2", "L2": "L3"}


def claim(uow: UnitOfWork, *, key: str, actor_id: int) -> TicketView:
    """Take a ticket. Under the row lock, so of two simultaneous claims exactly one wins."""
    with uow:
        ticket, actor = loaded(uow, key, actor_id)
        at = now()
        return saved(uow, ticket, ticket.claim(actor, at=at), at)


def comment(uow: UnitOfWork, *, key: str, actor_id: int, text: str, handover: bool = False,
            ) -> TicketView:
    """A public reply. From the requester on a pending ticket, it also restarts the work.

    ``handover`` marks a requester asking for a person: the team and its leads are told too.
    """
    body = clean(text, field="comment")
    with uow:
        ticket, actor = loaded(uow, key, actor_id)
        at = now()
        return saved(uow, ticket, ticket.comment(actor, body, at=at, clock=stopwatch_of(uow),
                                                 handover=handover), at)


def note(uow: UnitOfWork, *, key: str, actor_id: int, text: str) -> TicketView:
    """A private note: internal, never shown or sent to the requester."""
    body = clean(text, field="note")
    with uow:
        ticket, actor = loaded(uow, key, actor_id)
        at = now()
        return saved(uow, ticket, ticket.note(actor, body, at=at), at)


def transfer(
    uow: UnitOfWork,
    *,
    key: str,
    actor_id: int | None,
    team: str | None = None,
    person: str | None = None,
    reason: str | None = None,
    event_type: str = "transferred",
) -> TicketView:
    """Hand a ticket to another team (back to its queue) or to a named technician.

    The ticket keeps its key, events and watchers: whoever receives it sees the whole history.
    """
    if not team and not person:
        raise InvalidInput("transfer_target_missing")
    why = clean(reason, field="reason", max_length=2000) if reason else None
    with uow:
        actor = uow.people.actor(actor_id) if actor_id is not None else None
        ticket = uow.tickets.load(key)
        ticket.check_transfer(actor)  # refused before the target is even looked up
        target = uow.people.actor(uow.people.find(person).id) if person else None
        at = now()
        events = ticket.transfer(actor, at=at, team=team, person=target, reason=why,
                                 escalation=event_type == "escalated",
                                 team_code=lambda typed: uow.teams.get(typed).code)
        return saved(uow, ticket, events, at)


def escalate(uow: UnitOfWork, *, key: str, actor_id: int | None, reason: str | None = None,
             ladder: dict[str, str] | None = None) -> TicketView:
    """Move a ticket one level up (``ladder``: team -> the next one; L1 -> L2 -> L3 by default),
    keeping its history. Only the top of the ladder is "the highest level"; a team outside it
    has no escalation configured, which is a different answer."""
    ladder = ESCALATION if ladder is None else ladder
    with uow:
        ticket = uow.tickets.get(key)
        current, canonical = ticket.team_code or "", ticket.key
    target = ladder.get(current)
    if not target:
        on_ladder = current in ladder.values()  # someone escalates to it: the top
        raise Conflict("top_level" if on_ladder else "no_escalation", key=canonical,
                       team=current)
    return transfer(uow, key=key, actor_id=actor_id, team=target, reason=reason,
                    event_type="escalated")


def invite(uow: UnitOfWork, *, key: str, actor_id: int, person: str) -> TicketView:
    """Add a second technician as a watcher: told of changes, may work the ticket."""
    with uow:
        ticket, actor = locked(uow, key, actor_id)
        require_staff(actor, "invite")
        guest = uow.people.find(person)
        if guest.role not in STAFF:
            raise InvalidInput("not_a_technician", name=guest.name)
        if guest.id == ticket.assignee_id or not uow.tickets.add_watcher(ticket, guest):
            raise Conflict("already_watching", key=ticket.key, name=guest.name)
        at = now()
        uow.events.append(ticket, "invited", actor=actor, at=at, visibility="internal",
                          payload={"person": guest.name, "person_id": guest.id})
        return committed(uow, ticket, at)


def set_pending(uow: UnitOfWork, *, key: str, actor_id: int, question: str) -> TicketView:
    """Ask the requester something; the SLA clock stops until they answer."""
    body = clean(question, field="question")
    with uow:
        ticket, actor = loaded(uow, key, actor_id)
        at = now()
        return saved(uow, ticket, ticket.pend(actor, body, at=at, clock=stopwatch_of(uow)), at)


def resume(uow: UnitOfWork, *, key: str, actor_id: int) -> TicketView:
    with uow:
        ticket, actor = loaded(uow, key, actor_id)
        at = now()
        return saved(uow, ticket, ticket.resume(actor, at=at, clock=stopwatch_of(uow)), at)


def resolve(uow: UnitOfWork, *, key: str, actor_id: int, summary: str,
            article_id: str | None = None) -> TicketView:
    """Mark the ticket concluded; the requester is asked to confirm and rate it.

    ``article_id``: the knowledge-base article that answers it; the requester's message is
    learned as a way of asking for that article, in the same transaction.
    """
    body = clean(summary, field="summary")
    with uow:
        ticket, actor = loaded(uow, key, actor_id)
        at = now()
        events = ticket.resolve(actor, body, at=at, clock=stopwatch_of(uow),
                                article_id=article_id)
        if article_id:
            row = uow.tickets.get(ticket.key)
            learn(uow, phrasing(article_id=article_id, text=row.description or row.title,
                                source="resolved", language=row.language,
                                person_id=row.requester_id, ticket_id=row.id))
        return saved(uow, ticket, events, at)


def reopen(uow: UnitOfWork, *, key: str, actor_id: int, reason: str | None = None,
           ) -> TicketView:
    """Back to work after a resolution (staff, or the requester saying it is not fixed)."""
    why = clean(reason, field="reason", max_length=2000) if reason else None
    with uow:
        ticket, actor = loaded(uow, key, actor_id)
        at = now()
        return saved(uow, ticket, ticket.reopen(actor, at=at, clock=stopwatch_of(uow),
                                                reason=why), at)


def cancel(uow: UnitOfWork, *, key: str, actor_id: int, reason: str | None = None) -> TicketView:
    """Withdraw a ticket still being worked on: the requester no longer needs it, or staff
    withdraw it (the requester is then told). A resolved ticket is confirmed or reopened."""
    why = clean(reason, field="reason", max_length=2000) if reason else None
    with uow:
        ticket, actor = loaded(uow, key, actor_id)
        at = now()
        return saved(uow, ticket, ticket.cancel(actor, at=at, reason=why), at)


def set_priority(uow: UnitOfWork, settings: Settings, *, key: str, actor_id: int, priority: str,
                 ) -> TicketView:
    """Override the matrix's priority by hand; the SLA targets follow."""
    priority = priority.strip().upper()
    if priority not in PRIORITIES:
        raise InvalidInput("bad_choice", field="priority", value=priority,
                           choices=", ".join(PRIORITIES))
    with uow:
        ticket, actor = loaded(uow, key, actor_id)
        at = now()
        clock = sla_clock.Stopwatch(sla_clock.calendar_for(settings.sla), sla=settings.sla)
        return saved(uow, ticket, ticket.reprioritise(actor, priority, at=at, clock=clock), at)


__all__ = [
    "claim", "comment", "note", "transfer", "escalate", "invite", "set_pending", "resume",
    "resolve", "reopen", "cancel", "set_priority", "RoleRefused",
]
