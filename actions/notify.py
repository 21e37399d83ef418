"""Who hears about what (004 requirement 7), written to the outbox in the same transaction.

Installed as a before-commit hook on every unit of work: it reads the events the transaction
appended and queues one outbox message per stakeholder. A message exists if and only if its
change was committed; its key (event id + recipient) makes delivery idempotent. The person who
acted is never told about their own action, and internal events never reach the requester.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from store.models import Event, OutboxMessage, Person, Ticket
from store.uow import UnitOfWork

#: Event type -> who is told. "requester" = the ticket's thread in its own channel; "assignee",
#: "watchers", "team" (its triage channel), "new_assignee" (after a transfer to a person).
AUDIENCE: dict[str, tuple[str, ...]] = {
    "routed": ("team",),
    "claimed": ("requester",),
    "commented": ("requester", "assignee", "watchers"),
    "noted": ("assignee", "watchers"),
    "transferred": ("requester", "team", "assignee"),
    "escalated": ("requester", "team", "assignee", "leads"),
    "invited": ("invitee",),
    "pending": ("requester",),
    "resumed": ("assignee",),
    "resolved": ("requester", "watchers"),
    "reopened": ("assignee", "team", "watchers"),
    "closed": ("requester", "assignee"),
    "cancelled": ("assignee", "team"),
    "priority_changed": ("requester", "assignee"),
    "survey_answered": ("assignee",),
    # Timed notices from the SLA sweep (actions/sla.py), actor None.
    "sla_warning": ("assignee", "team", "leads"),
    "sla_breach": ("assignee", "team", "leads"),
    "pending_reminder": ("requester",),
    "survey_reminder": ("requester",),
}


def channel_for(person: Person) -> str:
    """Where a person is reached directly: Slack when we know their id, else email, else console."""
    if person.slack_id:
        return "slack"
    if person.email:
        return "email"
    return "console"


def ticket_context(ticket: Ticket) -> dict[str, Any]:
    """What templates may show about a ticket (plain JSON: it is stored in the outbox)."""
    return {
        "key": ticket.key, "title": ticket.title, "status": ticket.status,
        "priority": ticket.priority, "category": ticket.category, "team": ticket.team_code,
        "kind": ticket.kind,
        "requester": ticket.requester.name if ticket.requester else None,
        "assignee": ticket.assignee.name if ticket.assignee else None,
        "resolution": ticket.resolution,
        "response_due_at": _iso(ticket.response_due_at),
        "resolution_due_at": _iso(ticket.resolution_due_at),
        "first_response_at": _iso(ticket.first_response_at),
        "paused_at": _iso(ticket.paused_at),
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def queue_notifications(uow: UnitOfWork) -> None:
    """Before-commit hook: turn this transaction's events into outbox messages."""
    events, uow.events.added = list(uow.events.added), []
    for event in events:
        audience = AUDIENCE.get(event.type)
        if not audience:
            continue
        if (event.payload or {}).get("handover"):
            audience = (*audience, "team", "leads")  # the requester asked for a person
        ticket = uow.session.get(Ticket, event.ticket_id)
        assert ticket is not None
        uow.session.refresh(ticket)
        actor = uow.session.get(Person, event.actor_id) if event.actor_id else None
        for recipient, channel, language in _recipients(uow, ticket, event, audience):
            context = {
                "ticket": ticket_context(ticket),
                "event": {"type": event.type, "seq": event.seq, "at": event.at.isoformat(),
                          "payload": dict(event.payload or {})},
                "actor": actor.name if actor else None,
            }
            uow.outbox.add(OutboxMessage(
                key=f"event:{event.id}:{_recipient_key(recipient)}",
                channel=channel, recipient=recipient, template=event.type,
                language=language, context=context, ticket_id=ticket.id,
            ))


def _recipient_key(recipient: dict[str, Any]) -> str:
    kind = recipient["type"]
    if kind == "thread":
        return f"thread:{recipient['ticket']}"
    if kind == "team":
        return f"team:{recipient['team']}"
    return f"person:{recipient['person_id']}"


def _recipients(
    uow: UnitOfWork, ticket: Ticket, event: Event, audience: tuple[str, ...]
) -> list[tuple[dict[str, Any], str, str]]:
    out: list[tuple[dict[str, Any], str, str]] = []
    seen: set[int] = set()
    if event.actor_id is not None:
        seen.add(event.actor_id)

    def person(p: Person | None, role: str) -> None:
        if p is None or p.id in seen or not p.active:
            return
        seen.add(p.id)
        out.append(({"type": "person", "person_id": p.id, "role": role}, channel_for(p),
                    p.language))

    for who in audience:
        if who == "requester":
            if event.visibility != "public" or ticket.requester_id in seen:
                continue
            seen.add(ticket.requester_id)
            out.append(({"type": "thread", "ticket": ticket.key,
                         "person_id": ticket.requester_id},
                        ticket.channel, ticket.language))
        elif who == "assignee":
            person(ticket.assignee, "assignee")
        elif who == "watchers":
            for watcher in uow.tickets.watchers(ticket):
                person(watcher, "watcher")
        elif who == "invitee":
            guest_id = (event.payload or {}).get("person_id")
            person(uow.session.get(Person, guest_id) if guest_id else None, "watcher")
        elif who == "leads" and ticket.team_code:
            for lead in uow.people.leads_of(ticket.team_code):
                person(lead, "lead")
        elif who == "team" and ticket.team_code:
            out.append(({"type": "team", "team": ticket.team_code}, "slack", "es"))
            if not uow.teams.get(ticket.team_code).slack_channel:
                # No triage channel (an email-only desk): its staff who are reached by mail
                # are told one by one instead, so a new ticket never goes unnoticed.
                for member in uow.people.list(team=ticket.team_code):
                    if member.role in ("technician", "lead") and channel_for(member) == "email":
                        person(member, "team")
    return out
