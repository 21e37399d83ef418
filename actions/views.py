"""Plain snapshots of tickets and events that channels render after the transaction is over.

Use cases return these instead of ORM objects, so no channel ever touches a session (and no
template can trigger a lazy query). ``TicketView`` is the one snapshot of a ticket: technicians'
answers, the command line, cards and notices (``as_context``, the JSON stored in the outbox) and
the audit export all read it, and ``actions.common.view`` is the one place that builds it from
the store.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from store.models import Event, Person, SurveyAnswer, Ticket
from store.repositories import PersonRow

#: Followers from which a ticket is a major incident (actions.similar says the same).
MAJOR_INCIDENT = 3


@dataclass(frozen=True)
class PersonView:
    id: int
    name: str
    role: str
    team: str | None
    language: str
    timezone: str
    vip: bool = False
    #: channel -> where it reaches the person (``{"slack": "U123", "email": "ana@x.com"}``).
    addresses: dict[str, str] = field(default_factory=dict, hash=False)

    @classmethod
    def of(cls, person: Person) -> PersonView:
        return cls(
            id=person.id, name=person.name, role=person.role, team=person.team_code,
            language=person.language, timezone=person.timezone, vip=person.vip,
            addresses={c.channel: c.address for c in person.channels},
        )

    @classmethod
    def of_row(cls, row: PersonRow) -> PersonView:
        """The view of a plain row (``PersonRepository.known``/``row``): no entity needed."""
        return cls(id=row.id, name=row.name, role=row.role, team=row.team_code,
                   language=row.language, timezone=row.timezone, vip=row.vip,
                   addresses=dict(row.addresses))

    def address(self, channel: str) -> str | None:
        """Where ``channel`` reaches this person, or None when the desk does not know it."""
        return self.addresses.get(channel)

    @property
    def is_staff(self) -> bool:
        return self.role in ("technician", "lead", "admin")


@dataclass(frozen=True)
class EventView:
    seq: int
    at: datetime
    type: str
    visibility: str
    actor: str | None  # name; None = the desk itself
    payload: dict[str, Any]
    actor_role: str | None = None  # what the actor was (auditors ask); None = the desk

    @classmethod
    def of(cls, event: Event, names: dict[int, str],
           roles: dict[int, str] | None = None) -> EventView:
        return cls(
            seq=event.seq, at=event.at, type=event.type, visibility=event.visibility,
            actor=names.get(event.actor_id) if event.actor_id else None,
            payload=dict(event.payload or {}),
            actor_role=(roles or {}).get(event.actor_id) if event.actor_id else None,
        )


@dataclass(frozen=True)
class SurveyView:
    question_id: str
    rating: int | None
    comment: str | None
    answered_at: datetime

    @classmethod
    def of(cls, answer: SurveyAnswer) -> SurveyView:
        return cls(answer.question_id, answer.rating, answer.comment, answer.answered_at)


@dataclass(frozen=True)
class TicketView:
    key: str
    kind: str
    title: str
    description: str
    category: str
    impact: str
    urgency: str
    priority: str
    status: str
    team: str | None
    requester: PersonView
    assignee: PersonView | None
    channel: str
    channel_ref: str | None
    language: str
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    response_due_at: datetime | None
    resolution_due_at: datetime | None
    paused_at: datetime | None
    resolution: str | None
    watchers: tuple[PersonView, ...] = ()
    history: tuple[EventView, ...] = ()
    survey: tuple[SurveyView, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
    #: Employees following the ticket (the same problem); a major incident from MAJOR_INCIDENT.
    follower_count: int = 0

    @classmethod
    def of(
        cls,
        ticket: Ticket,
        *,
        watchers: tuple[PersonView, ...] = (),
        history: tuple[EventView, ...] = (),
        survey: tuple[SurveyView, ...] = (),
        extra: dict[str, Any] | None = None,
        follower_count: int = 0,
    ) -> TicketView:
        return cls(
            key=ticket.key, kind=ticket.kind, title=ticket.title,
            description=ticket.description, category=ticket.category, impact=ticket.impact,
            urgency=ticket.urgency, priority=ticket.priority, status=ticket.status,
            team=ticket.team_code, requester=PersonView.of(ticket.requester),
            assignee=PersonView.of(ticket.assignee) if ticket.assignee else None,
            channel=ticket.channel, channel_ref=ticket.channel_ref, language=ticket.language,
            created_at=ticket.created_at, updated_at=ticket.updated_at,
            first_response_at=ticket.first_response_at, resolved_at=ticket.resolved_at,
            closed_at=ticket.closed_at, response_due_at=ticket.response_due_at,
            resolution_due_at=ticket.resolution_due_at, paused_at=ticket.paused_at,
            resolution=ticket.resolution, watchers=watchers, history=history, survey=survey,
            extra=dict(extra or {}), follower_count=follower_count,
        )

    def breached(self, at: datetime) -> bool:
        """Is a target already missed at ``at``? (A paused clock misses nothing.)"""
        if self.paused_at is not None:
            return False
        return bool(
            (self.first_response_at is None and self.response_due_at is not None
             and self.response_due_at < at)
            or (self.resolution_due_at is not None and self.resolution_due_at < at))

    def as_context(self, *, at: datetime | None = None) -> dict[str, Any]:
        """What notice and card templates may show (plain JSON: it is stored in the outbox).
        With ``at``, also whether a target is missed by then (``sla_breached``), so a card
        re-rendered after a breach shows its flag."""
        context: dict[str, Any] = {
            "followers": self.follower_count, "major": self.follower_count >= MAJOR_INCIDENT,
            "key": self.key, "title": self.title, "status": self.status,
            "priority": self.priority, "category": self.category, "team": self.team,
            "kind": self.kind, "requester": self.requester.name,
            "assignee": self.assignee.name if self.assignee else None,
            "resolution": self.resolution,
            "response_due_at": _iso(self.response_due_at),
            "resolution_due_at": _iso(self.resolution_due_at),
            "first_response_at": _iso(self.first_response_at),
            "paused_at": _iso(self.paused_at),
        }
        if at is not None:
            context["sla_breached"] = self.breached(at)
        return context

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (datetimes as ISO 8601), for ``--json`` output and outbox contexts."""
        return _jsonable(asdict(self))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
