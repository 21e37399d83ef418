"""The ``Ticket`` aggregate: a ticket's state and the moves the desk allows on it.

Each transition checks who acts and whether the state machine (``store.lifecycle``) allows the
move, raises the same ``DeskError`` a person has always been shown when it does not, changes the
state, and returns the events that say what happened. It writes nothing: the use case loads the
aggregate from the repository (``uow.tickets.load``), calls one transition and hands the events
to ``uow.tickets.save``, which persists state and events in the unit of work.

The SLA clock counts working time, which depends on the desk's calendar: transitions that pause
or restart it call the ``Clock`` they are given (``actions.sla_clock.Stopwatch`` in the desk).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from store.domain import events as ev
from store.errors import AlreadyClaimed, Conflict, IllegalTransition, InvalidInput, RoleRefused
from store.lifecycle import FINAL, Status, check_transition

STAFF = frozenset({"technician", "lead", "admin"})


@dataclass(frozen=True)
class Actor:
    """Whoever acts on a ticket, as the rules need them."""

    id: int
    name: str
    role: str
    active: bool = True
    team: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF


class Someone(Protocol):
    """Anyone whose role the rules check: an ``Actor``, or a stored person."""

    @property
    def role(self) -> str: ...

    @property
    def active(self) -> bool: ...


class Clock(Protocol):
    """The SLA clock of a ticket: stops while it waits on the requester."""

    def pause(self, ticket: Ticket, at: datetime) -> None: ...

    def resume(self, ticket: Ticket, at: datetime) -> None: ...

    def rearm(self, ticket: Ticket, at: datetime) -> None: ...

    def retarget(self, ticket: Ticket, at: datetime) -> None:
        """New due times for the ticket's (new) priority."""
        ...


def require_staff(actor: Someone, action: str) -> None:
    """Technicians, leads and admins who still work here; anyone else is refused."""
    if not actor.active or actor.role not in STAFF:
        raise RoleRefused("staff_only", action=action)


@dataclass(eq=False)
class Ticket:
    """One ticket's state. Mutable (an entity); changed only by its transitions."""

    id: int
    key: str
    status: str
    priority: str
    requester_id: int
    assignee: Actor | None
    team: str | None
    created_at: datetime
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    resolution: str | None = None
    # The SLA clock (``actions.sla_clock`` reads and moves these).
    response_due_at: datetime | None = None
    resolution_due_at: datetime | None = None
    paused_at: datetime | None = None
    paused_seconds: int = 0
    sla_next_at: datetime | None = None

    # --- who may -------------------------------------------------------------------------
    def _require_requester(self, actor: Actor, action: str) -> None:
        """Only the person who asked may confirm, reject or rate it (admins may act too)."""
        if actor.id != self.requester_id and actor.role != "admin":
            raise RoleRefused("requester_only", action=action, key=self.key)

    def _require_party(self, actor: Actor, action: str) -> None:
        """The requester or any active staff member."""
        if actor.id != self.requester_id and not (actor.active and actor.role in STAFF):
            raise RoleRefused("not_your_ticket", action=action, key=self.key)

    def _move(self, target: Status) -> str:
        self.status = check_transition(self.status, target, key=self.key).value
        return self.status

    def _first_response(self, actor: Actor, at: datetime) -> None:
        """The first thing staff says that the requester can see stops the first-response
        clock."""
        if self.first_response_at is None and actor.is_staff and actor.id != self.requester_id:
            self.first_response_at = at

    @property
    def assignee_id(self) -> int | None:
        return self.assignee.id if self.assignee else None

    # --- transitions -----------------------------------------------------------------------
    def claim(self, actor: Actor, *, at: datetime) -> list[ev.TicketEvent]:
        """Take the ticket (a pending one stays pending: it still waits on the requester)."""
        require_staff(actor, "claim")
        if self.assignee_id == actor.id:
            raise Conflict("already_yours", key=self.key)
        if self.assignee is not None:
            raise AlreadyClaimed(key=self.key, by=self.assignee.name)
        target = Status.IN_PROGRESS if self.status != Status.PENDING else Status.PENDING
        if self.status != target:
            check_transition(self.status, target, key=self.key)
        self.assignee, self.status = actor, target.value
        return [ev.Claimed(at=at, actor_id=actor.id, assignee=actor.name, status=self.status)]

    def comment(self, actor: Actor, text: str, *, at: datetime, clock: Clock,
                handover: bool = False) -> list[ev.TicketEvent]:
        """A public reply; from the requester on a pending ticket it restarts the work."""
        self._require_party(actor, "comment")
        if self.status in FINAL:
            raise IllegalTransition("ticket_final", key=self.key, current=self.status)
        self._first_response(actor, at)
        by_requester = actor.id == self.requester_id
        out: list[ev.TicketEvent] = [ev.Commented(at=at, actor_id=actor.id, text=text,
                                                  by_requester=by_requester, handover=handover)]
        if self.status == Status.PENDING and by_requester:
            out += self._resume(actor, at, clock)
        return out

    def note(self, actor: Actor, text: str, *, at: datetime) -> list[ev.TicketEvent]:
        """A private note: internal, never shown or sent to the requester."""
        require_staff(actor, "note")
        return [ev.Noted(at=at, actor_id=actor.id, text=text)]

    def check_transfer(self, actor: Actor | None) -> None:
        """May ``actor`` hand this ticket on at all? (Asked before the target is looked up, so
        a refusal reads the same whatever target was named.) ``None``: the desk itself."""
        if actor is not None:
            require_staff(actor, "transfer")
        if self.status in FINAL or self.status == Status.RESOLVED:
            raise IllegalTransition("ticket_final", key=self.key, current=self.status)

    def transfer(self, actor: Actor | None, *, at: datetime, team: str | None = None,
                 person: Actor | None = None, reason: str | None = None,
                 escalation: bool = False,
                 team_code: Callable[[str], str] = str.upper) -> list[ev.TicketEvent]:
        """Hand the ticket to a technician (``person``, into ``team`` or theirs) or back to a
        team's queue (``team``). ``team_code`` turns what was typed into an existing team's
        code (raising NotFound), asked only when the move gets that far. The key, history and
        watchers stay."""
        self.check_transfer(actor)
        before_team, before = self.team, self.assignee.name if self.assignee else None
        if person is not None:
            if person.role not in STAFF or not person.active:
                raise InvalidInput("not_a_technician", name=person.name)
            if person.id == self.assignee_id and (not team or team == self.team):
                raise Conflict("already_assigned", key=self.key, name=person.name)
            self.team = team_code(team) if team else (person.team or self.team)
            self.assignee = person
            if self.status == Status.OPEN:
                self.status = Status.IN_PROGRESS.value
        elif team:
            code = team_code(team)
            if code == self.team and self.assignee is None:
                raise Conflict("same_team", key=self.key, team=code)
            self.team, self.assignee = code, None
            if self.status == Status.IN_PROGRESS:
                self._move(Status.OPEN)
        else:
            raise InvalidInput("transfer_target_missing")
        kind = ev.Escalated if escalation else ev.Transferred
        actor_id = actor.id if actor else None
        out: list[ev.TicketEvent] = [kind(
            at=at, actor_id=actor_id, from_team=before_team, to_team=self.team,
            from_assignee=before, to_assignee=self.assignee.name if self.assignee else None,
            status=self.status)]
        if reason:
            out.append(ev.Noted(at=at, actor_id=actor_id, text=reason, about=kind.type))
        return out

    def pend(self, actor: Actor, question: str, *, at: datetime, clock: Clock,
             ) -> list[ev.TicketEvent]:
        """Ask the requester something; the SLA clock stops until they answer."""
        require_staff(actor, "pending")
        self._move(Status.PENDING)
        if self.assignee is None:
            self.assignee = actor
        self._first_response(actor, at)
        clock.pause(self, at)
        return [ev.PendingAsked(at=at, actor_id=actor.id, question=question, status=self.status)]

    def resume(self, actor: Actor, *, at: datetime, clock: Clock) -> list[ev.TicketEvent]:
        """Back to work without the requester's answer."""
        require_staff(actor, "resume")
        return self._resume(actor, at, clock)

    def _resume(self, actor: Actor | None, at: datetime, clock: Clock) -> list[ev.TicketEvent]:
        self._move(Status.IN_PROGRESS)
        clock.resume(self, at)
        return [ev.Resumed(at=at, actor_id=actor.id if actor else None, status=self.status)]

    def resolve(self, actor: Actor, summary: str, *, at: datetime, clock: Clock,
                article_id: str | None = None) -> list[ev.TicketEvent]:
        """Concluded by staff; the requester is asked to confirm (close) or reopen it."""
        require_staff(actor, "resolve")
        self._move(Status.RESOLVED)
        if self.assignee is None:
            self.assignee = actor
        self._first_response(actor, at)
        clock.resume(self, at)
        self.resolved_at, self.resolution = at, summary
        return [ev.Resolved(at=at, actor_id=actor.id, summary=summary, status=self.status,
                            article_id=article_id)]

    def reopen(self, actor: Actor, *, at: datetime, clock: Clock, reason: str | None = None,
               ) -> list[ev.TicketEvent]:
        """Back to work after a resolution: staff, or the requester saying it is not fixed."""
        by_requester = actor.id == self.requester_id
        if not by_requester:
            require_staff(actor, "reopen")
        self._move(Status.IN_PROGRESS)
        self.resolved_at = None
        clock.rearm(self, at)
        return [ev.Reopened(at=at, actor_id=actor.id, reason=reason, status=self.status,
                            by_requester=by_requester)]

    def check_requester(self, actor: Actor, action: str) -> None:
        """Only the requester (or an admin) confirms, rejects or rates the ticket."""
        self._require_requester(actor, action)

    def close(self, actor: Actor, *, at: datetime) -> list[ev.TicketEvent]:
        """The requester confirms the resolution."""
        self._require_requester(actor, "confirm")
        self._move(Status.CLOSED)
        self.closed_at = at
        return [ev.Closed(at=at, actor_id=actor.id, by="requester", status=self.status)]

    def resolve_unanswered(self, *, at: datetime, clock: Clock, days: float,
                           question: str | None) -> list[ev.TicketEvent]:
        """The desk resolves a ticket whose requester never answered (the sweep decides when)."""
        self._move(Status.RESOLVED)
        clock.resume(self, at)
        self.sla_next_at, self.resolved_at = None, at
        return [ev.ResolvedUnanswered(at=at, actor_id=None, days=days, question=question,
                                      status=self.status)]

    def close_unconfirmed(self, *, at: datetime, days: float) -> list[ev.TicketEvent]:
        """The desk closes a resolution its requester never confirmed."""
        self._move(Status.CLOSED)
        self.closed_at = at
        return [ev.ClosedUnconfirmed(at=at, actor_id=None, days=days, status=self.status)]

    def reprioritise(self, actor: Actor, priority: str, *, at: datetime, clock: Clock,
                     ) -> list[ev.TicketEvent]:
        """Override the matrix's priority by hand (a valid code); the SLA targets follow."""
        require_staff(actor, "priority")
        if self.status in FINAL:
            raise IllegalTransition("ticket_final", key=self.key, current=self.status)
        if self.priority == priority:
            raise Conflict("same_priority", key=self.key, priority=priority)
        before, self.priority = self.priority, priority
        clock.retarget(self, at)
        return [ev.PriorityChanged(at=at, actor_id=actor.id, before=before, after=priority)]

    def cancel(self, actor: Actor, *, at: datetime, reason: str | None = None,
               ) -> list[ev.TicketEvent]:
        """Withdrawn while still being worked on (a resolved one is confirmed or reopened)."""
        self._require_party(actor, "cancel")
        self._move(Status.CANCELLED)
        self.closed_at, self.sla_next_at = at, None
        return [ev.Cancelled(at=at, actor_id=actor.id, reason=reason, status=self.status)]
