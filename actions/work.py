"""What technicians do to a ticket: claim, reply, private notes, transfer and escalate, invite a
colleague, ask the requester (pending), resume, resolve, reopen, cancel, re-prioritise.

Each function is one transaction: it locks the ticket, checks the actor's role and the state
machine, changes the ticket, appends the event, commits. A refusal raises before anything is
written.
"""

from __future__ import annotations

from datetime import datetime

from actions import sla_clock
from actions.access import STAFF, is_staff, require_party, require_staff
from actions.common import committed, locked, now
from actions.learning import learn, phrasing
from actions.settings import Settings
from actions.text import clean
from actions.views import TicketView
from store.errors import AlreadyClaimed, Conflict, IllegalTransition, InvalidInput, RoleRefused
from store.lifecycle import FINAL, Status, check_transition
from store.models import Person, Ticket
from store.priority import PRIORITIES
from store.uow import UnitOfWork

#: The default escalation ladder; config.yml's teams (``escalates_to``) give the real one.
ESCALATION = {"L1": "L2", "L2": "L3"}


def _first_response(ticket: Ticket, actor: Person, at: datetime) -> None:
    """The first thing staff says that the requester can see stops the first-response clock."""
    if ticket.first_response_at is None and is_staff(actor) and actor.id != ticket.requester_id:
        ticket.first_response_at = at


def claim(uow: UnitOfWork, *, key: str, actor_id: int) -> TicketView:
    """Take a ticket. Under the row lock, so of two simultaneous claims exactly one wins."""
    with uow:
        ticket, actor = locked(uow, key, actor_id)
        require_staff(actor, "claim")
        if ticket.assignee_id == actor.id:
            raise Conflict("already_yours", key=ticket.key)
        if ticket.assignee is not None:
            raise AlreadyClaimed(key=ticket.key, by=ticket.assignee.name)
        target = Status.IN_PROGRESS if ticket.status != Status.PENDING else Status.PENDING
        if ticket.status != target:
            check_transition(ticket.status, target, key=ticket.key)
        at = now()
        ticket.assignee_id, ticket.status = actor.id, target.value
        uow.events.append(ticket, "claimed", actor=actor, at=at,
                          payload={"assignee": actor.name, "status": ticket.status})
        return committed(uow, ticket, at)


def comment(uow: UnitOfWork, *, key: str, actor_id: int, text: str, handover: bool = False,
            ) -> TicketView:
    """A public reply. From the requester on a pending ticket, it also restarts the work.

    ``handover`` marks a requester asking for a person: the team and its leads are told too.
    """
    body = clean(text, field="comment")
    with uow:
        ticket, actor = locked(uow, key, actor_id)
        require_party(actor, ticket, "comment")
        if ticket.status in FINAL:
            raise IllegalTransition("ticket_final", key=ticket.key, current=ticket.status)
        at = now()
        _first_response(ticket, actor, at)
        payload = {"text": body, "by_requester": actor.id == ticket.requester_id}
        if handover:
            payload["handover"] = True
        uow.events.append(ticket, "commented", actor=actor, at=at, payload=payload)
        if ticket.status == Status.PENDING and actor.id == ticket.requester_id:
            _resume(uow, ticket, actor, at)
        return committed(uow, ticket, at)


def note(uow: UnitOfWork, *, key: str, actor_id: int, text: str) -> TicketView:
    """A private note: internal, never shown or sent to the requester."""
    body = clean(text, field="note")
    with uow:
        ticket, actor = locked(uow, key, actor_id)
        require_staff(actor, "note")
        at = now()
        uow.events.append(ticket, "noted", actor=actor, at=at, visibility="internal",
                          payload={"text": body})
        return committed(uow, ticket, at)


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
        ticket, actor = locked(uow, key, actor_id)
        if actor is not None:  # None: the desk itself (escalation on SLA breach)
            require_staff(actor, "transfer")
        if ticket.status in FINAL or ticket.status == Status.RESOLVED:
            raise IllegalTransition("ticket_final", key=ticket.key, current=ticket.status)
        at = now()
        before = {"team": ticket.team_code,
                  "assignee": ticket.assignee.name if ticket.assignee else None}
        if person:
            target = uow.people.find(person)
            if target.role not in STAFF or not target.active:
                raise InvalidInput("not_a_technician", name=target.name)
            if target.id == ticket.assignee_id and (not team or team == ticket.team_code):
                raise Conflict("already_assigned", key=ticket.key, name=target.name)
            ticket.assignee_id = target.id
            ticket.team_code = uow.teams.get(team).code if team else (
                target.team_code or ticket.team_code)
            if ticket.status == Status.OPEN:
                ticket.status = Status.IN_PROGRESS.value
        else:
            new_team = uow.teams.get(team or "")
            if new_team.code == ticket.team_code and ticket.assignee_id is None:
                raise Conflict("same_team", key=ticket.key, team=new_team.code)
            ticket.team_code = new_team.code
            ticket.assignee_id = None
            if ticket.status == Status.IN_PROGRESS:
                ticket.status = check_transition(ticket.status, Status.OPEN).value
        uow.session.flush()
        uow.session.refresh(ticket)
        uow.events.append(ticket, event_type, actor=actor, at=at, payload={
            "from_team": before["team"], "to_team": ticket.team_code,
            "from_assignee": before["assignee"],
            "to_assignee": ticket.assignee.name if ticket.assignee else None,
            "status": ticket.status,
        })
        if why:
            uow.events.append(ticket, "noted", actor=actor, at=at, visibility="internal",
                              payload={"text": why, "about": event_type})
        return committed(uow, ticket, at)


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
        ticket, actor = locked(uow, key, actor_id)
        require_staff(actor, "pending")
        ticket.status = check_transition(ticket.status, Status.PENDING, key=ticket.key).value
        at = now()
        if ticket.assignee_id is None:
            ticket.assignee_id = actor.id
        _first_response(ticket, actor, at)
        sla_clock.pause(ticket, at)
        uow.events.append(ticket, "pending", actor=actor, at=at,
                          payload={"question": body, "status": ticket.status})
        return committed(uow, ticket, at)


def _resume(uow: UnitOfWork, ticket: Ticket, actor: Person | None, at: datetime) -> None:
    ticket.status = check_transition(ticket.status, Status.IN_PROGRESS, key=ticket.key).value
    sla_clock.resume(ticket, at, sla_clock.calendar_of(uow))
    uow.events.append(ticket, "resumed", actor=actor, at=at, payload={"status": ticket.status})


def resume(uow: UnitOfWork, *, key: str, actor_id: int) -> TicketView:
    with uow:
        ticket, actor = locked(uow, key, actor_id)
        require_staff(actor, "resume")
        at = now()
        _resume(uow, ticket, actor, at)
        return committed(uow, ticket, at)


def resolve(uow: UnitOfWork, *, key: str, actor_id: int, summary: str,
            article_id: str | None = None) -> TicketView:
    """Mark the ticket concluded; the requester is asked to confirm and rate it.

    ``article_id``: the knowledge-base article that answers it; the requester's message is
    learned as a way of asking for that article, in the same transaction.
    """
    body = clean(summary, field="summary")
    with uow:
        ticket, actor = locked(uow, key, actor_id)
        require_staff(actor, "resolve")
        ticket.status = check_transition(ticket.status, Status.RESOLVED, key=ticket.key).value
        at = now()
        if ticket.assignee_id is None:
            ticket.assignee_id = actor.id
        _first_response(ticket, actor, at)
        sla_clock.resume(ticket, at, sla_clock.calendar_of(uow))
        ticket.resolved_at, ticket.resolution = at, body
        payload = {"summary": body, "status": ticket.status}
        if article_id:
            payload["article_id"] = article_id
            learn(uow, phrasing(article_id=article_id, text=ticket.description or ticket.title,
                                source="resolved", language=ticket.language,
                                person_id=ticket.requester_id, ticket_id=ticket.id))
        uow.events.append(ticket, "resolved", actor=actor, at=at, payload=payload)
        return committed(uow, ticket, at)


def reopen(uow: UnitOfWork, *, key: str, actor_id: int, reason: str | None = None,
           ) -> TicketView:
    """Back to work after a resolution (staff, or the requester saying it is not fixed)."""
    why = clean(reason, field="reason", max_length=2000) if reason else None
    with uow:
        ticket, actor = locked(uow, key, actor_id)
        if actor.id != ticket.requester_id:
            require_staff(actor, "reopen")
        ticket.status = check_transition(ticket.status, Status.IN_PROGRESS, key=ticket.key).value
        at = now()
        ticket.resolved_at = None
        sla_clock.rearm(ticket, at)
        uow.events.append(ticket, "reopened", actor=actor, at=at,
                          payload={"reason": why, "status": ticket.status,
                                   "by_requester": actor.id == ticket.requester_id})
        return committed(uow, ticket, at)


def cancel(uow: UnitOfWork, *, key: str, actor_id: int, reason: str | None = None) -> TicketView:
    """Withdraw a ticket still being worked on: the requester no longer needs it, or staff
    withdraw it (the requester is then told). A resolved ticket is confirmed or reopened."""
    why = clean(reason, field="reason", max_length=2000) if reason else None
    with uow:
        ticket, actor = locked(uow, key, actor_id)
        require_party(actor, ticket, "cancel")
        ticket.status = check_transition(ticket.status, Status.CANCELLED, key=ticket.key).value
        at = now()
        ticket.closed_at, ticket.sla_next_at = at, None
        uow.events.append(ticket, "cancelled", actor=actor, at=at,
                          payload={"reason": why, "status": ticket.status})
        return committed(uow, ticket, at)


def set_priority(uow: UnitOfWork, settings: Settings, *, key: str, actor_id: int, priority: str,
                 ) -> TicketView:
    """Override the matrix's priority by hand; the SLA targets follow."""
    priority = priority.strip().upper()
    if priority not in PRIORITIES:
        raise InvalidInput("bad_choice", field="priority", value=priority,
                           choices=", ".join(PRIORITIES))
    with uow:
        ticket, actor = locked(uow, key, actor_id)
        require_staff(actor, "priority")
        if ticket.status in FINAL:
            raise IllegalTransition("ticket_final", key=ticket.key, current=ticket.status)
        if ticket.priority == priority:
            raise Conflict("same_priority", key=ticket.key, priority=priority)
        at = now()
        before, ticket.priority = ticket.priority, priority
        sla_clock.start(ticket, at, settings.sla)
        uow.events.append(ticket, "priority_changed", actor=actor, at=at,
                          payload={"from": before, "to": priority})
        return committed(uow, ticket, at)


__all__ = [
    "claim", "comment", "note", "transfer", "escalate", "invite", "set_pending", "resume",
    "resolve", "reopen", "cancel", "set_priority", "RoleRefused",
]
