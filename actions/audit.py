"""The ISO 27001 audit export: every ticket with its complete history, as auditors read it.

Seed 004 ("Problema clave") asks for a ticket system that controls security incidents; its
"Procedimiento" lists what the record of each incident must answer. The export therefore holds,
per ticket, every event (internal ones included and marked ``internal``: private notes, record
changes, invitations), the survey answers, and for SEC- tickets the ISO 27001 record.

Tickets are read in batches by id (keyset pagination, one short transaction per batch) and
written as they come, so a desk with years of history exports in constant memory.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import IO, Any

from sqlalchemy import select

from actions.intake import KINDS, SECURITY_FIELDS
from store.errors import InvalidInput
from store.models import Event, Person, SecurityRecord, SurveyAnswer, Ticket
from store.uow import UnitOfWork

#: The ISO 27001 record, in the order of seed 004's "Procedimiento", with its questions.
SECURITY_QUESTIONS = {
    "discovered_where": "¿Dónde se descubrió? / Where was it discovered?",
    "discovered_by": "¿Quién lo descubrió? / Who discovered it?",
    "discovered_at": "¿Cuándo lo descubrió? / When was it discovered?",
    "discoverer_action": "¿Qué hizo quien lo descubrió? / What did the discoverer do?",
    "reported_to": "¿A quién se reportó? / To whom was it reported?",
    "report_written_at": "¿Cuándo se redactó el informe? / When was the report written?",
    "severity": "Gravedad / Severity",
    "owner_learned_at": "¿Cuándo se enteró el responsable? / When did the owner learn of it?",
    "owner_action": "¿Qué hizo el responsable? / What did the owner do?",
    "followup_by": "¿Quién realizó el seguimiento? / Who did the follow-up?",
    "followup_at": "¿Cuándo se realizó el seguimiento? / When was the follow-up?",
}


@dataclass(frozen=True)
class AuditEvent:
    seq: int
    at: datetime
    type: str
    visibility: str
    internal: bool
    actor: str | None  # None: the desk itself
    actor_role: str | None
    payload: dict[str, Any]


@dataclass(frozen=True)
class AuditTicket:
    key: str
    kind: str
    title: str
    description: str
    category: str
    priority: str
    status: str
    team: str | None
    requester: str
    assignee: str | None
    channel: str
    language: str
    created_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    resolution: str | None
    events: tuple[AuditEvent, ...]
    survey: tuple[dict[str, Any], ...]
    security: dict[str, Any] | None  # SEC- tickets only


def iter_audit(uow: UnitOfWork, *, since: datetime | None = None, until: datetime | None = None,
               kind: str | None = None, batch: int = 200) -> Iterator[AuditTicket]:
    """Tickets opened in ``[since, until)`` (all when unbounded), oldest first."""
    if kind is not None and kind not in KINDS:
        raise InvalidInput("bad_choice", field="kind", value=kind, choices=", ".join(KINDS))
    last_id = 0
    while True:
        with uow:
            query = select(Ticket.id).where(Ticket.id > last_id).order_by(Ticket.id).limit(batch)
            if since is not None:
                query = query.where(Ticket.created_at >= since)
            if until is not None:
                query = query.where(Ticket.created_at < until)
            if kind is not None:
                query = query.where(Ticket.kind == kind)
            ids = list(uow.session.scalars(query))
            if not ids:
                return
            records = _load(uow, ids)
        last_id = ids[-1]
        yield from records


def _load(uow: UnitOfWork, ids: list[int]) -> list[AuditTicket]:
    s = uow.session
    tickets = s.scalars(select(Ticket).where(Ticket.id.in_(ids)).order_by(Ticket.id)).unique()
    events: dict[int, list[Event]] = {i: [] for i in ids}
    for event in s.scalars(select(Event).where(Event.ticket_id.in_(ids))
                           .order_by(Event.ticket_id, Event.seq)):
        events[event.ticket_id].append(event)
    actor_ids = {e.actor_id for evs in events.values() for e in evs if e.actor_id}
    people = {p.id: p for p in s.scalars(select(Person).where(Person.id.in_(actor_ids)))}
    surveys: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    for a in s.scalars(select(SurveyAnswer).where(SurveyAnswer.ticket_id.in_(ids))
                       .order_by(SurveyAnswer.id)):
        surveys[a.ticket_id].append({"question_id": a.question_id, "rating": a.rating,
                                     "comment": a.comment, "answered_at": a.answered_at})
    records = {r.ticket_id: r for r in s.scalars(
        select(SecurityRecord).where(SecurityRecord.ticket_id.in_(ids)))}
    out = []
    for t in tickets:
        security = None
        if t.kind == "security":
            record = records.get(t.id)
            security = {f: getattr(record, f) if record else None for f in SECURITY_FIELDS}
        out.append(AuditTicket(
            key=t.key, kind=t.kind, title=t.title, description=t.description,
            category=t.category, priority=t.priority, status=t.status, team=t.team_code,
            requester=t.requester.name, assignee=t.assignee.name if t.assignee else None,
            channel=t.channel, language=t.language, created_at=t.created_at,
            first_response_at=t.first_response_at, resolved_at=t.resolved_at,
            closed_at=t.closed_at, resolution=t.resolution,
            events=tuple(_event(e, people) for e in events[t.id]),
            survey=tuple(surveys[t.id]), security=security,
        ))
    return out


def _event(e: Event, people: dict[int, Person]) -> AuditEvent:
    actor = people.get(e.actor_id) if e.actor_id else None
    return AuditEvent(seq=e.seq, at=e.at, type=e.type, visibility=e.visibility,
                      internal=e.visibility == "internal", actor=actor.name if actor else None,
                      actor_role=actor.role if actor else None, payload=dict(e.payload or {}))


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def write_json(out: IO[str], tickets: Iterator[AuditTicket], meta: dict[str, Any]) -> int:
    """``{"export": meta, "tickets": [...]}``, one ticket at a time; returns how many."""
    out.write('{"export": ' + json.dumps(jsonable(meta), ensure_ascii=False) + ',\n"tickets": [')
    count = 0
    for ticket in tickets:
        out.write(",\n" if count else "\n")
        out.write(json.dumps(jsonable(asdict(ticket)), ensure_ascii=False))
        count += 1
    out.write("\n]}\n")
    return count


TICKET_COLUMNS = ("key", "kind", "title", "category", "priority", "status", "team", "requester",
                  "assignee", "channel", "created_at", "first_response_at", "resolved_at",
                  "closed_at")
EVENT_COLUMNS = ("seq", "at", "type", "visibility", "internal", "actor", "actor_role")


def write_csv(out: IO[str], tickets: Iterator[AuditTicket]) -> int:
    """One row per event: the ticket's columns, the event's, its details as JSON, and for SEC-
    tickets the ISO 27001 record (``sec_*``). Returns how many tickets."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*TICKET_COLUMNS, *(f"event_{c}" for c in EVENT_COLUMNS), "event_details",
                     *(f"sec_{f}" for f in SECURITY_FIELDS)])
    count = 0
    for ticket in tickets:
        count += 1
        head = [_cell(getattr(ticket, c)) for c in TICKET_COLUMNS]
        sec = [_cell((ticket.security or {}).get(f)) for f in SECURITY_FIELDS]
        for e in ticket.events:
            writer.writerow([*head, *(_cell(getattr(e, c)) for c in EVENT_COLUMNS),
                             json.dumps(jsonable(e.payload), ensure_ascii=False,
                                        sort_keys=True), *sec])
    return count


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else value
