"""A realistic history in bulk: tickets, their events, surveys and FAQ deflections.

``deskbot seed --demo`` and ``bench.web`` need months of desk work (up to 100,000 tickets) in
seconds, which the one-at-a-time use cases cannot give; this writes the same rows they would
(tickets with their SLA due times, an append-only event list per ticket, survey answers,
deflections, the key counters) with multi-row inserts. Deterministic for a given seed.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.orm import Session

from store.demo_text import COMMENTS, TITLES
from store.models import Counter, Deflection, Event, SurveyAnswer, Ticket

PRIORITY_WEIGHTS = {"P1": 3, "P2": 14, "P3": 56, "P4": 27}
CHANNEL_WEIGHTS = {"slack": 62, "email": 26, "console": 4, "web": 8}
CATEGORY_WEIGHTS = {"hardware": 16, "software": 20, "access": 22, "email": 12, "network": 14,
                    "os": 7, "database": 3, "security": 2, "other": 4}
RATING_WEIGHTS = {5: 48, 4: 28, 3: 12, 2: 7, 1: 5}
KIND_PREFIX = {"incident": "INC", "request": "REQ", "security": "SEC"}


@dataclass(frozen=True)
class DemoDesk:
    """Who and what the history is about (ids of people already registered)."""

    requesters: Sequence[int]
    technicians: Mapping[str, Sequence[int]]  # team -> technician ids
    category_team: Mapping[str, str]
    targets: Mapping[str, tuple[int, int]]  # priority -> (first response, resolution) minutes
    articles: Sequence[str]
    survey_question: str = "overall"


def _pick(rng: random.Random, weights: dict[Any, int]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _opened_at(rng: random.Random, day: datetime) -> datetime:
    """Office hours mostly (UTC 08-18), a few at night."""
    hour = rng.gauss(12.5, 2.6) if rng.random() < 0.93 else rng.uniform(0, 24)
    return day + timedelta(hours=min(max(hour, 0), 23.99))


class _Builder:
    def __init__(self, desk: DemoDesk, rng: random.Random, now: datetime) -> None:
        self.desk, self.rng, self.now = desk, rng, now
        self.tickets: list[dict[str, Any]] = []
        self.events: list[list[dict[str, Any]]] = []
        self.surveys: list[dict[str, Any] | None] = []

    def ticket(self, created: datetime, number: dict[str, int]) -> None:
        rng, desk = self.rng, self.desk
        category = _pick(rng, CATEGORY_WEIGHTS)
        kind = "security" if category == "security" else (
            "request" if rng.random() < 0.18 else "incident")
        number[kind] += 1
        priority = "P2" if kind == "security" else _pick(rng, PRIORITY_WEIGHTS)
        team = desk.category_team.get(category, "L1")
        fr_target, res_target = desk.targets[priority]
        fr_due = created + timedelta(minutes=fr_target)
        res_due = created + timedelta(minutes=res_target)
        requester = rng.choice(desk.requesters)
        staff = desk.technicians.get(team) or [t for ts in desk.technicians.values() for t in ts]
        tech = rng.choice(staff)
        t: dict[str, Any] = {
            "key": f"{KIND_PREFIX[kind]}-{number[kind]}", "kind": kind, "number": number[kind],
            "title": rng.choice(TITLES[category]), "description": "", "category": category,
            "impact": "medium", "urgency": "medium", "priority": priority, "status": "open",
            "requester_id": requester, "assignee_id": None, "team_code": team,
            "channel": _pick(rng, CHANNEL_WEIGHTS), "language": rng.choice(("es", "es", "en")),
            "created_at": created, "updated_at": created, "response_due_at": fr_due,
            "resolution_due_at": res_due, "paused_seconds": 0, "version": 1,
            "first_response_at": None, "resolved_at": None, "closed_at": None,
            "paused_at": None, "sla_next_at": None,
        }
        ev: list[dict[str, Any]] = [
            {"at": created, "actor_id": requester, "type": "created",
             "payload": {"title": t["title"], "priority": priority, "category": category}},
            {"at": created, "actor_id": None, "type": "routed", "payload": {"team": team}}]
        # Speed: lognormal around a share of the target; P1 quick, a tail that breaches.
        first = created + timedelta(minutes=fr_target * rng.lognormvariate(-0.9, 0.8))
        resolve = first + timedelta(minutes=res_target * rng.lognormvariate(-1.3, 0.9))
        survey = None
        if first < self.now:
            t["assignee_id"], t["status"], t["first_response_at"] = tech, "in_progress", first
            ev.append({"at": first, "actor_id": tech, "type": "claimed", "payload": {}})
            ev.append({"at": first, "actor_id": tech, "type": "commented",
                       "payload": {"text": "Lo reviso ahora mismo." if t["language"] == "es"
                                   else "Looking into it now."}})
            if rng.random() < 0.25:
                ev.append({"at": first + timedelta(minutes=5), "actor_id": tech, "type": "noted",
                           "visibility": "internal", "payload": {"text": "Revisar el log."}})
        elif rng.random() < 0.5:
            t["status"] = "new"
        stuck = t["first_response_at"] and self.now - created < timedelta(days=20) \
            and rng.random() < 0.04  # forgotten in a queue: the backlog's old tail
        if t["first_response_at"] and resolve < self.now and not stuck:
            if rng.random() < 0.08:  # asked the requester, waited, resumed
                ask = first + (resolve - first) / 3
                ev.append({"at": ask, "actor_id": tech, "type": "pending",
                           "payload": {"question": "¿Sigue pasando?"}})
                ev.append({"at": ask + timedelta(hours=1), "actor_id": requester,
                           "type": "commented", "payload": {"text": "Sí, sigue igual."}})
                ev.append({"at": ask + timedelta(hours=1), "actor_id": None,
                           "type": "resumed", "payload": {}})
                t["paused_seconds"] = 3600
                resolve += timedelta(hours=1)
                t["resolution_due_at"] = res_due + timedelta(hours=1)
            t["status"], t["resolved_at"] = "resolved", resolve
            ev.append({"at": resolve, "actor_id": tech, "type": "resolved",
                       "payload": {"summary": "Resuelto." if t["language"] == "es" else "Fixed."}})
            if rng.random() < 0.06 and resolve + timedelta(hours=3) < self.now:
                again = resolve + timedelta(hours=2)
                ev.append({"at": again, "actor_id": requester, "type": "reopened",
                           "payload": {"reason": "Sigue fallando."}})
                resolve = again + timedelta(hours=1)
                t["resolved_at"] = resolve
                ev.append({"at": resolve, "actor_id": tech, "type": "resolved",
                           "payload": {"summary": "Ahora sí."}})
            closed = resolve + timedelta(hours=rng.uniform(0.5, 30))
            if closed < self.now:
                t["status"], t["closed_at"] = "closed", closed
                ev.append({"at": closed, "actor_id": requester, "type": "closed", "payload": {}})
                if rng.random() < 0.55:
                    rating = _pick(rng, RATING_WEIGHTS)
                    comment = rng.choice(COMMENTS[rating]) if rng.random() < 0.3 else None
                    survey = {"respondent_id": requester, "question_id": desk.survey_question,
                              "rating": rating, "comment": comment, "answered_at": closed}
                    ev.append({"at": closed, "actor_id": requester, "type": "survey_answered",
                               "payload": {"rating": rating, "comment": comment}})
        elif t["first_response_at"] and rng.random() < 0.15:
            t["status"], t["paused_at"] = "pending", max(first, self.now - timedelta(hours=3))
            ev.append({"at": t["paused_at"], "actor_id": tech, "type": "pending",
                       "payload": {"question": "¿Puedes enviar una captura?"}})
        t["updated_at"] = max(e["at"] for e in ev)
        self.tickets.append(t)
        self.events.append(ev)
        self.surveys.append(survey)


def _counters(session: Session) -> dict[str, int]:
    found = dict(session.execute(select(Counter.name, Counter.value)).all())
    return {kind: int(found.get(prefix, 0)) for kind, prefix in KIND_PREFIX.items()}


def _save_counters(session: Session, number: dict[str, int]) -> None:
    found = set(session.scalars(select(Counter.name)))
    for kind, prefix in KIND_PREFIX.items():
        if prefix in found:
            session.execute(update(Counter).where(Counter.name == prefix)
                            .values(value=func.max(Counter.value, number[kind])
                                    if session.get_bind().dialect.name == "sqlite"
                                    else func.greatest(Counter.value, number[kind])))
        else:
            session.add(Counter(name=prefix, value=number[kind]))


def generate(session: Session, desk: DemoDesk, *, now: datetime, days: int,
             per_day: float = 12.0, seed: int = 7, chunk: int = 2000) -> dict[str, int]:
    """Write ``days`` of history ending at ``now`` (about ``per_day`` tickets a working day,
    fewer at weekends). Returns how many rows of each kind were written."""
    rng = random.Random(seed)
    number = _counters(session)
    start = (now - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
    totals = {"tickets": 0, "events": 0, "surveys": 0, "deflections": 0}
    builder = _Builder(desk, rng, now)
    deflections: list[dict[str, Any]] = []
    for d in range(days + 1):
        day = start + timedelta(days=d)
        weekend = day.weekday() >= 5
        for _ in range(max(0, round(rng.gauss(per_day * (0.2 if weekend else 1.0),
                                               per_day * 0.15)))):
            created = _opened_at(rng, day)
            if created < now:
                builder.ticket(created, number)
        for _ in range(round(per_day * (0.1 if weekend else 0.45) * rng.uniform(0.6, 1.4))):
            at = _opened_at(rng, day)
            if at < now and desk.articles:
                deflections.append({"person_id": rng.choice(desk.requesters),
                                    "article_id": rng.choice(desk.articles[:12]),
                                    "query": "demo", "language": "es", "at": at})
        if len(builder.tickets) >= chunk or d == days:
            _flush(session, builder, totals)
    if deflections:
        _insert(session, Deflection.__table__, deflections)
    totals["deflections"] = len(deflections)
    _save_counters(session, number)
    session.flush()
    return totals


def _insert(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    """Many rows at once: PostgreSQL's ``COPY`` (an executemany costs a round trip per row on
    psycopg), SQLite's own executemany."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(table), rows)
        return
    columns = list(rows[0])
    raw: Any = session.connection().connection.driver_connection  # psycopg's Connection
    names = ", ".join(f'"{c}"' for c in columns)
    json_columns = {c for c in columns if c in ("payload",)}
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([json.dumps(row[c]) if c in json_columns else row[c]
                            for c in columns])


def _flush(session: Session, b: _Builder, totals: dict[str, int]) -> None:
    if not b.tickets:
        return
    first = (session.scalar(select(func.max(Ticket.id))) or 0) + 1
    ids = list(range(first, first + len(b.tickets)))
    _insert(session, Ticket.__table__, [{"id": i, **t} for i, t in zip(ids, b.tickets,
                                                                         strict=True)])
    events, surveys = [], []
    for tid, evs, survey in zip(ids, b.events, b.surveys, strict=True):
        for seq, e in enumerate(sorted(evs, key=lambda e: e["at"]), start=1):
            events.append({"ticket_id": tid, "seq": seq, "visibility": "public", **e})
        if survey:
            surveys.append({"ticket_id": tid, **survey})
    _insert(session, Event.__table__, events)
    if surveys:
        _insert(session, SurveyAnswer.__table__, surveys)
    if session.get_bind().dialect.name == "postgresql":  # ids were given: move the sequence on
        session.execute(text("SELECT setval(pg_get_serial_sequence('tickets', 'id'), "
                             "(SELECT max(id) FROM tickets))"))
    totals["tickets"] += len(ids)
    totals["events"] += len(events)
    totals["surveys"] += len(surveys)
    b.tickets, b.events, b.surveys = [], [], []
