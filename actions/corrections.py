"""Fixing what intake got wrong: a ticket's category, and its kind (INC <-> SEC <-> REQ).

``/ticket category INC-1 hardware`` changes the category; when the new category belongs to
another team the ticket is re-routed there (back to that team's queue, unassigned), and the
history says from what to what. ``/ticket kind INC-1 security`` turns an incident into a security
incident: it takes the next SEC- key, its old key stays an alias that resolves everywhere
(commands, threads, links), and its ISO 27001 record starts. Turning it back restores the old
key when the ticket had it before, so ``INC-1 -> SEC-1 -> INC-1`` is the same ticket throughout.
"""

from __future__ import annotations

from sqlalchemy import select

from actions import sla_clock
from actions.access import require_staff
from actions.common import committed, locked, now, view
from actions.settings import Settings
from actions.views import TicketView
from store.errors import Conflict, IllegalTransition, InvalidInput
from store.lifecycle import FINAL, Status
from store.models import SecurityRecord, Ticket, TicketAlias
from store.priority import PRIORITIES
from store.repositories import KEY_PREFIX, parse_key
from store.uow import UnitOfWork

KINDS = tuple(KEY_PREFIX)
KIND_WORDS = {"incident": "incident", "incidente": "incident", "inc": "incident",
              "request": "request", "solicitud": "request", "req": "request",
              "security": "security", "seguridad": "security", "sec": "security"}


def set_category(uow: UnitOfWork, settings: Settings, *, key: str, actor_id: int,
                 category: str) -> TicketView:
    """Change the category; re-route when the owning team changes."""
    category = category.strip().lower()
    if category not in settings.categories:
        raise InvalidInput("bad_choice", field="category", value=category[:40],
                           choices=", ".join(settings.categories))
    with uow:
        ticket, actor = locked(uow, key, actor_id)
        require_staff(actor, "category")
        if ticket.status in FINAL:
            raise IllegalTransition("ticket_final", key=ticket.key, current=ticket.status)
        if ticket.category == category:
            raise Conflict("same_category", key=ticket.key, category=category)
        at = now()
        before = {"category": ticket.category, "team": ticket.team_code,
                  "assignee": ticket.assignee.name if ticket.assignee else None}
        team = uow.teams.get(settings.team_for(category)).code
        ticket.category = category
        rerouted = team != ticket.team_code
        if rerouted:
            ticket.team_code, ticket.assignee_id = team, None
            if ticket.status == Status.IN_PROGRESS:
                ticket.status = Status.OPEN.value
        uow.session.flush()
        uow.session.refresh(ticket)
        uow.events.append(ticket, "recategorized", actor=actor, at=at, visibility="internal",
                          payload={"from": before["category"], "to": category,
                                   "from_team": before["team"], "to_team": ticket.team_code,
                                   "from_assignee": before["assignee"] if rerouted else None,
                                   "rerouted": rerouted, "status": ticket.status})
        return committed(uow, ticket, at)


def set_kind(uow: UnitOfWork, settings: Settings, *, key: str, actor_id: int, kind: str,
             ) -> TicketView:
    """Turn a ticket into another kind; the key changes and the old one stays an alias."""
    wanted = KIND_WORDS.get(kind.strip().lower())
    if wanted is None:
        raise InvalidInput("bad_choice", field="kind", value=kind[:40], choices=", ".join(KINDS))
    with uow:
        ticket, actor = locked(uow, key, actor_id)
        require_staff(actor, "kind")
        if ticket.status in FINAL:
            raise IllegalTransition("ticket_final", key=ticket.key, current=ticket.status)
        if ticket.kind == wanted:
            raise Conflict("same_kind", key=ticket.key, kind=wanted)
        at = now()
        old_key, old_kind = ticket.key, ticket.kind
        new_key, number = _key_for(uow, ticket, wanted)
        stale = uow.session.get(TicketAlias, new_key)
        if stale is not None:  # the ticket gets its old key back: it is no longer an alias
            uow.session.delete(stale)
            uow.session.flush()
        uow.session.add(TicketAlias(key=old_key, ticket_id=ticket.id, created_at=at))
        ticket.key, ticket.kind, ticket.number = new_key, wanted, number
        if wanted == "security":
            ticket.category = "security" if "security" in settings.categories else ticket.category
            raised = min(ticket.priority, settings.security_min_priority)
            if raised != ticket.priority and raised in PRIORITIES:
                ticket.priority = raised
                sla_clock.start(ticket, at, settings.sla)  # a more urgent target from now on
            if uow.session.get(SecurityRecord, ticket.id) is None:
                uow.session.add(SecurityRecord(
                    ticket_id=ticket.id, discovered_by=ticket.requester.name,
                    reported_to=ticket.team_code, report_written_at=at))
        uow.session.flush()
        uow.events.append(ticket, "kind_changed", actor=actor, at=at, payload={
            "from": old_kind, "to": wanted, "from_key": old_key, "to_key": new_key,
            "status": ticket.status})
        return committed(uow, ticket, at)


def _key_for(uow: UnitOfWork, ticket: Ticket, kind: str) -> tuple[str, int]:
    """The key the ticket had as ``kind`` before (one of its aliases), else the next one."""
    prefix = KEY_PREFIX[kind]
    for alias in uow.session.scalars(select(TicketAlias.key).where(
            TicketAlias.ticket_id == ticket.id)):
        parsed = parse_key(alias)
        if parsed and parsed[0] == prefix:
            return alias, parsed[1]
    return uow.tickets.next_key(kind)


def iso_record(uow: UnitOfWork, *, key: str, actor_id: int) -> tuple[TicketView, dict[str, object]]:
    """A SEC- ticket and its ISO 27001 record, for the modal that completes it (staff only)."""
    from actions.intake import security_record

    with uow:
        ticket = uow.tickets.get(key)
        require_staff(uow.people.get(actor_id), "security_record")
        if ticket.kind != "security":
            raise InvalidInput("not_security", key=ticket.key)
        return view(uow, ticket), security_record(uow, ticket)
