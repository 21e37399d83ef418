"""Opening tickets: numbering, priority, routing to a team, the SLA clock, and the ISO 27001 record.

A ticket enters as ``new`` (004: "Pasar Ticket de Soporte al campo NUEVOS"), is routed by its
category to the owning team and becomes ``open`` (004: "Modificar el status a ABIERTO"), all in
one transaction, so nobody ever sees a ticket without a team.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from actions import faq_shown, sla_clock
from actions.access import require_party
from actions.common import locked, now, view
from actions.settings import Settings
from actions.text import MAX_TEXT, clean, title_from
from actions.views import TicketView
from store.errors import InvalidInput
from store.lifecycle import Status, check_transition
from store.models import SecurityRecord, Ticket
from store.priority import LEVELS, priority_for
from store.uow import UnitOfWork

KINDS = ("incident", "request", "security")
CHANNELS = ("console", "slack", "email")


@dataclass(frozen=True)
class NewTicket:
    """What a channel knows when someone asks for help."""

    requester_id: int
    description: str
    title: str | None = None
    kind: str = "incident"
    category: str | None = None
    impact: str = "medium"
    urgency: str = "medium"
    channel: str = "console"
    channel_ref: str | None = None
    language: str | None = None
    team: str | None = None  # manual routing override
    actor_id: int | None = None  # who typed it, when staff opens on someone's behalf
    #: What the FAQ showed before the ticket (``actions.faq_shown.shown``); kept as an internal
    #: event in the same transaction, for ``deskbot report kb-gaps``.
    faq_shown: dict[str, Any] | None = None


def open_ticket(uow: UnitOfWork, settings: Settings, command: NewTicket) -> TicketView:
    description = clean(command.description, field="description", max_length=MAX_TEXT)
    title = clean(command.title or title_from(description), field="title", max_length=200)
    if command.kind not in KINDS:
        raise InvalidInput("bad_choice", field="kind", value=command.kind,
                           choices=", ".join(KINDS))
    channels = uow.channels or CHANNELS  # those of the composition root (plug-ins too)
    if command.channel not in channels:
        raise InvalidInput("bad_choice", field="channel", value=command.channel,
                           choices=", ".join(channels))
    category = command.category or ("security" if command.kind == "security" else "other")
    if category not in settings.categories:
        raise InvalidInput("bad_choice", field="category", value=category,
                           choices=", ".join(settings.categories))
    for name, level in (("impact", command.impact), ("urgency", command.urgency)):
        if level not in LEVELS:
            raise InvalidInput("bad_choice", field=name, value=level, choices=", ".join(LEVELS))
    at = now()
    with uow:
        requester = uow.people.get(command.requester_id)
        actor = uow.people.get(command.actor_id) if command.actor_id else requester
        team_code = (command.team or settings.team_for(category)).upper()
        team = uow.teams.get(team_code)
        key, number = uow.tickets.next_key(command.kind)
        priority = priority_for(
            command.impact, command.urgency, settings.priority_matrix,
            vip=requester.vip and settings.vip_raises_priority,
        )
        if command.kind == "security":
            priority = min(priority, settings.security_min_priority)  # "P1" < "P2" < ...
        ticket = uow.tickets.add(Ticket(
            key=key, kind=command.kind, number=number, title=title, description=description,
            category=category, impact=command.impact, urgency=command.urgency,
            priority=priority, status=Status.NEW.value, requester_id=requester.id,
            team_code=None, channel=command.channel, channel_ref=command.channel_ref,
            language=command.language or requester.language, created_at=at, updated_at=at,
            paused_seconds=0,
        ))
        uow.events.append(ticket, "created", actor=actor, at=at, payload={
            "title": title, "category": category, "priority": priority, "kind": command.kind,
            "channel": command.channel, "status": Status.NEW.value,
        })
        ticket.status = check_transition(ticket.status, Status.OPEN, key=key).value
        ticket.team_code = team.code
        sla_clock.start(ticket, at, settings.sla)
        uow.events.append(ticket, "routed", actor=None, at=at, payload={
            "team": team.code, "manual": bool(command.team), "status": ticket.status,
        })
        shown = faq_shown.valid(command.faq_shown)
        if shown is not None:
            uow.events.append(ticket, faq_shown.EVENT, actor=None, at=at, visibility="internal",
                              payload=shown)
        if command.kind == "security":
            uow.session.add(SecurityRecord(ticket_id=ticket.id, discovered_by=requester.name,
                                           reported_to=team.code, report_written_at=at))
        uow.commit()
        return view(uow, ticket)


SECURITY_FIELDS = {
    "discovered_where": str, "discovered_by": str, "discovered_at": datetime,
    "discoverer_action": str, "reported_to": str, "report_written_at": datetime,
    "severity": str, "owner_learned_at": datetime, "owner_action": str,
    "followup_by": str, "followup_at": datetime,
}
SEVERITIES = ("low", "medium", "high", "critical")


def record_security_details(
    uow: UnitOfWork, *, key: str, actor_id: int, fields: dict[str, Any]
) -> dict[str, Any]:
    """Fill in the ISO 27001 record of a SEC- ticket; every change is an internal event."""
    unknown = sorted(set(fields) - set(SECURITY_FIELDS))
    if unknown:
        raise InvalidInput("bad_choice", field="field", value=unknown[0],
                           choices=", ".join(SECURITY_FIELDS))
    clean_fields: dict[str, Any] = {}
    for name, value in fields.items():
        kind = SECURITY_FIELDS[name]
        if kind is datetime:
            if not isinstance(value, datetime) or value.tzinfo is None:
                raise InvalidInput("bad_datetime", field=name)
            clean_fields[name] = value
        else:
            clean_fields[name] = clean(str(value), field=name, max_length=2000)
    if "severity" in clean_fields and clean_fields["severity"] not in SEVERITIES:
        raise InvalidInput("bad_choice", field="severity", value=clean_fields["severity"],
                           choices=", ".join(SEVERITIES))
    with uow:
        ticket, actor = locked(uow, key, actor_id)
        require_party(actor, ticket, "security_record")
        if ticket.kind != "security":
            raise InvalidInput("not_security", key=ticket.key)
        record = uow.session.get(SecurityRecord, ticket.id)
        if record is None:
            record = SecurityRecord(ticket_id=ticket.id)
            uow.session.add(record)
        for name, value in clean_fields.items():
            setattr(record, name, value)
        uow.events.append(ticket, "security_record", actor=actor, visibility="internal",
                          payload={k: (v.isoformat() if isinstance(v, datetime) else v)
                                   for k, v in clean_fields.items()})
        uow.commit()
        return security_record(uow, ticket)


def security_record(uow: UnitOfWork, ticket: Ticket) -> dict[str, Any]:
    record = uow.session.get(SecurityRecord, ticket.id)
    return {name: getattr(record, name) if record else None for name in SECURITY_FIELDS}
