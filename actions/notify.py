"""Who hears about what (004 requirement 7), written to the outbox in the same transaction.

Installed as a before-commit hook on every unit of work: it reads the events the transaction
appended and queues one outbox message per stakeholder. A message exists if and only if its
change was committed; its key (event id + recipient) makes delivery idempotent. The person who
acted is never told about their own action, internal events never reach the requester, and a
change that changes nothing for someone is not announced to them (a transfer back to the same
team is news for its queue, not for the requester).

A survey rating followed by an invitation to comment is held back for a while: the comment (or
"skip") then sends one notice with both, superseding the held one, so the technician hears once
per answer.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from actions.common import view
from store.models import Event, Follower, OutboxMessage, Person, Ticket
from store.uow import UnitOfWork

#: ``payload["source"]`` of a note written in the thread under the triage card.
TRIAGE_THREAD = "triage_thread"

#: Event type -> who is told. "requester" = the ticket's thread in its own channel; "assignee",
#: "watchers", "team" (its triage channel), "new_assignee" (after a transfer to a person).
AUDIENCE: dict[str, tuple[str, ...]] = {
    "routed": ("team",),
    "claimed": ("requester",),
    "commented": ("requester", "assignee", "watchers"),
    "noted": ("assignee", "watchers", "team"),  # "team": the internal chat under the card
    "transferred": ("requester", "team", "assignee"),
    "escalated": ("requester", "team", "assignee", "leads"),
    "invited": ("invitee",),
    "pending": ("requester",),
    "resumed": ("assignee",),
    "resolved": ("requester", "watchers"),
    "reopened": ("assignee", "team", "watchers"),
    "closed": ("requester", "assignee"),
    "cancelled": ("requester", "assignee", "team", "watchers"),
    "priority_changed": ("requester", "assignee"),
    "survey_answered": ("assignee",),
    # Technician tools: followers, merges, corrections.
    "follower_added": ("team",),
    "attached": ("assignee", "watchers"),
    "merged_into": ("requester", "team"),
    "recategorized": ("team", "assignee"),
    "kind_changed": ("requester", "team", "assignee"),
    "survey_alert": ("leads",),  # a low score: the team lead hears it with the comment
    # Timed notices from the SLA sweep (actions/sla.py), actor None.
    "sla_warning": ("assignee", "team", "leads"),
    "sla_breach": ("assignee", "team", "leads"),
    "pending_reminder": ("requester",),
    "survey_reminder": ("requester",),
}


#: How long a rating waits for the comment it invited before it is announced alone.
COMMENT_WAIT = timedelta(minutes=15)
#: Notices held while a comment may follow (``comment_invited`` in the event's payload).
HELD = ("survey_answered", "survey_alert")


#: The channel of a team's triage room: when a team has none, its staff reached by mail are
#: told one by one.
TEAM_CHANNEL = "slack"
#: Which address a direct notice uses when a person has several: the chat first (read
#: soonest), then mail; an address on any other channel before the console.
PREFERRED = ("slack", "email")


def channel_for(person: Person) -> str:
    """Where a person is reached directly: the first preferred channel with an address for
    them, else any channel that has one, else the console."""
    known = sorted(c.channel for c in person.channels)
    return next((c for c in PREFERRED if c in known), known[0] if known else "console")


def notifier(team_language: str) -> Any:
    """The before-commit hook for a desk whose team channels read ``team_language``."""

    def hook(uow: UnitOfWork) -> None:
        queue_notifications(uow, team_language=team_language)

    return hook


def queue_notifications(uow: UnitOfWork, *, team_language: str = "es") -> None:
    """Before-commit hook: turn this transaction's events into outbox messages."""
    events, uow.events.added = list(uow.events.added), []
    for event in events:
        audience = _audience(event)
        if not audience:
            continue
        payload = event.payload or {}
        if event.type in HELD and payload.get("completes"):
            _supersede(uow, event)
        if (event.payload or {}).get("handover"):
            audience = (*audience, "team", "leads")  # the requester asked for a person
        if (event.payload or {}).get("source") == TRIAGE_THREAD or (
                event.type == "noted" and (event.payload or {}).get("about")):
            # Written in the card's thread already, or the reason of a transfer or escalation
            # whose own notice the team gets: not said under the card a second time.
            audience = tuple(a for a in audience if a != "team")
        ticket = uow.session.get(Ticket, event.ticket_id)
        assert ticket is not None
        uow.session.refresh(ticket)
        actor = uow.session.get(Person, event.actor_id) if event.actor_id else None
        due = event.at + COMMENT_WAIT if payload.get("comment_invited") else event.at
        shown = view(uow, ticket, related=False).as_context()
        for recipient, channel, language in _recipients(uow, ticket, event, audience,
                                                        team_language):
            context = {
                "ticket": dict(shown),
                "event": {"type": event.type, "seq": event.seq, "at": event.at.isoformat(),
                          "payload": dict(event.payload or {})},
                "actor": actor.name if actor else None,
            }
            uow.outbox.add(OutboxMessage(
                key=f"event:{event.id}:{_recipient_key(recipient)}",
                channel=channel, recipient=recipient, template=event.type,
                language=language, context=context, ticket_id=ticket.id, next_attempt_at=due,
            ))


def _audience(event: Event) -> tuple[str, ...]:
    """Who hears of this event; a no-op transfer (same team, same assignee) is news to nobody,
    and a ticket put back in its own team's queue is nothing new for the requester."""
    audience = AUDIENCE.get(event.type, ())
    payload = event.payload or {}
    if event.type == "transferred" and payload.get("from_team") == payload.get("to_team"):
        if payload.get("from_assignee") == payload.get("to_assignee"):
            return ()
        if not payload.get("to_assignee"):  # back in the same queue: the requester's wait goes on
            audience = tuple(a for a in audience if a != "requester")
    return audience


def _supersede(uow: UnitOfWork, event: Event) -> None:
    """The comment completes a survey answer: the rating's held notice is not sent alone."""
    uow.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.ticket_id == event.ticket_id, OutboxMessage.template == event.type,
               OutboxMessage.status == "pending", OutboxMessage.next_attempt_at > event.at)
        .values(status="skipped", last_error="superseded: sent again with the comment")
    )


def _recipient_key(recipient: dict[str, Any]) -> str:
    kind = recipient["type"]
    if kind == "thread":
        return f"thread:{recipient['ticket']}"
    if kind == "team":
        return f"team:{recipient['team']}"
    return f"person:{recipient['person_id']}"


def _recipients(
    uow: UnitOfWork, ticket: Ticket, event: Event, audience: tuple[str, ...],
    team_language: str = "es",
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
            # Followers (same problem, joined or merged in) hear what the requester hears.
            for follower in uow.session.scalars(
                    select(Person).join(Follower, Follower.person_id == Person.id)
                    .where(Follower.ticket_id == ticket.id).order_by(Follower.added_at)):
                person(follower, "follower")
        elif who == "assignee":
            handed = (event.type in ("transferred", "escalated") and ticket.assignee is not None
                      and (event.payload or {}).get("from_assignee") != ticket.assignee.name)
            person(ticket.assignee, "new_assignee" if handed else "assignee")
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
            # Every channel the team is reached on hears it (Slack: its triage channel); with
            # none, a Slack row is still queued, and skipped, so the outbox shows where it went.
            places = sorted(c.channel for c in uow.teams.get(ticket.team_code).channels)
            for channel in places or [TEAM_CHANNEL]:
                out.append(({"type": "team", "team": ticket.team_code}, channel, team_language))
            if TEAM_CHANNEL not in places:
                # No triage channel (an email-only desk): its staff who are reached by mail
                # are told one by one instead, so a new ticket never goes unnoticed.
                for member in uow.people.list(team=ticket.team_code):
                    if member.role in ("technician", "lead") and channel_for(member) == "email":
                        person(member, "team")
    return out


def release_held(uow: UnitOfWork, ticket_id: int, at: datetime) -> None:
    """The requester will not comment: the held rating (and alert) notices are due now."""
    uow.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.ticket_id == ticket_id, OutboxMessage.template.in_(HELD),
               OutboxMessage.status == "pending", OutboxMessage.next_attempt_at > at)
        .values(next_attempt_at=at)
    )
