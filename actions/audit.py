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
from dataclasses import asdict
from datetime import datetime
from typing import IO, Any

from sqlalchemy import select

from actions.intake import KINDS, SECURITY_FIELDS
from actions.views import EventView, SurveyView, TicketView
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


#: The export's layout of a ticket (``TicketView`` fields, people by name), in this order.
TICKET_FIELDS = ("key", "kind", "title", "description", "category", "priority", "status", "team",
                 "requester", "assignee", "channel", "language", "created_at",
                 "first_response_at", "resolved_at", "closed_at", "resolution")


def audit_record(ticket: TicketView) -> dict[str, Any]:
    """One ticket as auditors read it: its fields, every event (internal ones marked), the
    survey answers and, for SEC- tickets, the ISO 27001 record (``security``)."""
    record: dict[str, Any] = {name: getattr(ticket, name) for name in TICKET_FIELDS}
    record["requester"] = ticket.requester.name
    record["assignee"] = ticket.assignee.name if ticket.assignee else None
    record["events"] = [
        {"seq": e.seq, "at": e.at, "type": e.type, "visibility": e.visibility,
         "internal": e.visibility == "internal", "actor": e.actor, "actor_role": e.actor_role,
         "payload": e.payload}
        for e in ticket.history]
    record["survey"] = [asdict(answer) for answer in ticket.survey]
    record["security"] = ticket.extra.get("security")
    return record


def iter_audit(uow: UnitOfWork, *, since: datetime | None = None, until: datetime | None = None,
               kind: str | None = None, batch: int = 200) -> Iterator[TicketView]:
    """Tickets opened in ``[since, until)`` (all when unbounded), oldest first, each with its
    whole history (internal events included) and ``extra["security"]`` (SEC- tickets)."""
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


def _load(uow: UnitOfWork, ids: list[int]) -> list[TicketView]:
    """A batch of snapshots in a few queries (``actions.common.view`` reads one ticket)."""
    s = uow.session
    tickets = s.scalars(select(Ticket).where(Ticket.id.in_(ids)).order_by(Ticket.id)).unique()
    events: dict[int, list[Event]] = {i: [] for i in ids}
    for event in s.scalars(select(Event).where(Event.ticket_id.in_(ids))
                           .order_by(Event.ticket_id, Event.seq)):
        events[event.ticket_id].append(event)
    actor_ids = {e.actor_id for evs in events.values() for e in evs if e.actor_id}
    people = list(s.scalars(select(Person).where(Person.id.in_(actor_ids))))
    names = {p.id: p.name for p in people}
    roles = {p.id: p.role for p in people}
    surveys: dict[int, list[SurveyView]] = {i: [] for i in ids}
    for a in s.scalars(select(SurveyAnswer).where(SurveyAnswer.ticket_id.in_(ids))
                       .order_by(SurveyAnswer.id)):
        surveys[a.ticket_id].append(SurveyView.of(a))
    records = {r.ticket_id: r for r in s.scalars(
        select(SecurityRecord).where(SecurityRecord.ticket_id.in_(ids)))}
    out = []
    for t in tickets:
        security = None
        if t.kind == "security":
            record = records.get(t.id)
            security = {f: getattr(record, f) if record else None for f in SECURITY_FIELDS}
        out.append(TicketView.of(
            t, history=tuple(EventView.of(e, names, roles) for e in events[t.id]),
            survey=tuple(surveys[t.id]), extra={"security": security}))
    return out


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def write_json(out: IO[str], tickets: Iterator[TicketView], meta: dict[str, Any]) -> int:
    """``{"export": meta, "tickets": [...]}``, one ticket at a time; returns how many."""
    out.write('{"export": ' + json.dumps(jsonable(meta), ensure_ascii=False) + ',\n"tickets": [')
    count = 0
    for ticket in tickets:
        out.write(",\n" if count else "\n")
        out.write(json.dumps(jsonable(audit_record(ticket)), ensure_ascii=False))
        count += 1
    out.write("\n]}\n")
    return count


TICKET_COLUMNS = ("key", "kind", "title", "category", "priority", "status", "team", "requester",
                  "assignee", "channel", "created_at", "first_response_at", "resolved_at",
                  "closed_at")
EVENT_COLUMNS = ("seq", "at", "type", "visibility", "internal", "actor", "actor_role")


def write_csv(out: IO[str], tickets: Iterator[TicketView]) -> int:
    """One row per event: the ticket's columns, the event's, its details as JSON, and for SEC-
    tickets the ISO 27001 record (``sec_*``). Returns how many tickets."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*TICKET_COLUMNS, *(f"event_{c}" for c in EVENT_COLUMNS), "event_details",
                     *(f"sec_{f}" for f in SECURITY_FIELDS)])
    count = 0
    for ticket in tickets:
        count += 1
        record = audit_record(ticket)
        head = [_cell(record[c]) for c in TICKET_COLUMNS]
        sec = [_cell((record["security"] or {}).get(f)) for f in SECURITY_FIELDS]
        for e in record["events"]:
            writer.writerow([*head, *(_cell(e[c]) for c in EVENT_COLUMNS),
                             json.dumps(jsonable(e["payload"]), ensure_ascii=False,
                                        sort_keys=True), *sec])
    return count


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else value
