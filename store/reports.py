"""Aggregate queries behind the desk's reports, computed by the database.

Every figure is a ``GROUP BY`` or a ``SUM(CASE ...)`` over tickets, events, survey answers or
deflections, so a report over a year of tickets moves a handful of rows into Python, not the
tickets themselves. Percentiles use window functions (``ROW_NUMBER() OVER``), available in SQLite
and PostgreSQL alike, and fetch only the one or two rows each percentile needs. The only
dialect-specific pieces are "seconds between two instants" and "UTC day of an instant", compiled
per dialect below. The single exception to "no rows into Python" is ``title_words``: splitting
titles into words is not portable SQL, so it streams one column in chunks and never holds it all.

``now`` is always passed in (never the server's clock): the desk's clock is the one tests move.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Float, String, and_, case, func, literal, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from store.models import Deflection, Event, Person, SurveyAnswer, Ticket
from store.types import UTCDateTime

ACTIVE_STATUSES = ("new", "open", "in_progress", "pending")


# --- dialect-specific expressions -------------------------------------------------------------

class seconds_between(FunctionElement[float]):  # noqa: N801 - reads like the SQL function it is
    """``end - start`` in seconds, as a float."""

    type = Float()
    inherit_cache = True


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: seconds_between, compiler: Any, **kw: Any) -> str:
    end, start = list(element.clauses)
    # julianday() is a double: rounding to the millisecond removes its representation noise.
    return (f"ROUND((julianday({compiler.process(end, **kw)}) - "
            f"julianday({compiler.process(start, **kw)})) * 86400.0, 3)")


@compiles(seconds_between, "postgresql")
def _seconds_postgres(element: seconds_between, compiler: Any, **kw: Any) -> str:
    end, start = list(element.clauses)
    return (f"CAST(EXTRACT(EPOCH FROM ({compiler.process(end, **kw)} - "
            f"{compiler.process(start, **kw)})) AS DOUBLE PRECISION)")


class utc_day(FunctionElement[str]):  # noqa: N801
    """The UTC calendar day of an instant, as ``YYYY-MM-DD`` text."""

    type = String()
    inherit_cache = True


@compiles(utc_day, "sqlite")
def _day_sqlite(element: utc_day, compiler: Any, **kw: Any) -> str:
    return f"date({compiler.process(list(element.clauses)[0], **kw)})"  # stored as naive UTC


@compiles(utc_day, "postgresql")
def _day_postgres(element: utc_day, compiler: Any, **kw: Any) -> str:
    value = compiler.process(list(element.clauses)[0], **kw)
    return f"to_char({value} AT TIME ZONE 'UTC', 'YYYY-MM-DD')"


# --- the window a report looks at -------------------------------------------------------------

@dataclass(frozen=True)
class Window:
    """``[since, until)`` plus an optional team; ``now`` decides whether open clocks ran out."""

    since: datetime
    until: datetime
    now: datetime
    team: str | None = None


def _at(value: datetime) -> ColumnElement[datetime]:
    return literal(value, UTCDateTime())


def _in(column: Any, w: Window) -> ColumnElement[bool]:
    return and_(column >= _at(w.since), column < _at(w.until))


def _team(w: Window) -> list[ColumnElement[bool]]:
    return [Ticket.team_code == w.team] if w.team else []


def _count_if(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


# --- volume -----------------------------------------------------------------------------------

def ticket_counts(session: Session, w: Window) -> dict[str, int]:
    """Opened, resolved, closed and cancelled in the window; how many opened are still open."""
    opened = _in(Ticket.created_at, w)
    row = session.execute(
        select(
            _count_if(opened).label("opened"),
            _count_if(_in(Ticket.resolved_at, w)).label("resolved"),
            _count_if(and_(Ticket.status == "closed", _in(Ticket.closed_at, w))).label("closed"),
            _count_if(and_(Ticket.status == "cancelled", _in(Ticket.closed_at, w)))
            .label("cancelled"),
            _count_if(and_(opened, Ticket.status.in_(ACTIVE_STATUSES))).label("still_open"),
        ).where(*_team(w), or_(opened, _in(Ticket.resolved_at, w), _in(Ticket.closed_at, w)))
    ).one()
    return {name: int(value) for name, value in row._mapping.items()}


GROUPINGS = {
    "category": Ticket.category,
    "priority": Ticket.priority,
    "channel": Ticket.channel,
    "kind": Ticket.kind,
    "team": Ticket.team_code,
    "day": utc_day(Ticket.created_at),
}


def opened_by(session: Session, w: Window, grouping: str) -> list[tuple[str, int]]:
    """Tickets opened in the window per category, priority, channel, kind, team or UTC day.

    Days are in date order; everything else most frequent first.
    """
    column = GROUPINGS[grouping]
    count = func.count(Ticket.id)
    order = [column] if grouping == "day" else [count.desc(), column]
    rows = session.execute(
        select(column, count).where(_in(Ticket.created_at, w), *_team(w))
        .group_by(column).order_by(*order)
    ).all()
    return [(str(value) if value is not None else "-", int(n)) for value, n in rows]


# --- durations --------------------------------------------------------------------------------

@dataclass(frozen=True)
class DurationStats:
    count: int
    mean: float | None
    median: float | None
    p90: float | None


def _duration(which: str) -> tuple[Any, Any]:
    if which == "first_response":
        return seconds_between(Ticket.first_response_at, Ticket.created_at), \
            Ticket.first_response_at
    if which == "resolution":  # time spent waiting on the requester does not count
        return (seconds_between(Ticket.resolved_at, Ticket.created_at)
                - func.coalesce(Ticket.paused_seconds, 0)), Ticket.resolved_at
    raise ValueError(f"unknown duration {which!r}")


def duration_stats(session: Session, w: Window, which: str) -> DurationStats:
    """Mean, median and 90th percentile (linear interpolation, like ``percentile_cont``) of the
    first-response or resolution time of the tickets opened in the window, in seconds."""
    value, end = _duration(which)
    base = select(value.label("d")).where(
        _in(Ticket.created_at, w), end.is_not(None), *_team(w)).subquery()
    n, mean = session.execute(select(func.count(), func.avg(base.c.d))).one()
    if not n:
        return DurationStats(0, None, None, None)
    return DurationStats(int(n), float(mean), *percentiles(session, base.c.d, int(n), (0.5, 0.9)))


def percentiles(session: Session, column: Any, n: int, fractions: Sequence[float],
                ) -> list[float]:
    """Percentiles of ``column`` (``n`` values), reading only the ranks they fall between."""
    positions = [(n - 1) * p for p in fractions]
    wanted = sorted({math.floor(x) for x in positions} | {math.ceil(x) for x in positions})
    ranked = select(
        column.label("d"),
        (func.row_number().over(order_by=column) - 1).label("i"),
    ).subquery()
    at = dict(session.execute(select(ranked.c.i, ranked.c.d).where(ranked.c.i.in_(wanted))).all())
    out = []
    for x in positions:
        low, high = float(at[math.floor(x)]), float(at[math.ceil(x)])
        out.append(low + (high - low) * (x - math.floor(x)))
    return out


# --- SLA --------------------------------------------------------------------------------------

def sla_by_priority(session: Session, w: Window) -> list[dict[str, Any]]:
    """Per priority, of the tickets opened in the window (cancelled ones aside): first response
    and resolution met, breached, or still running within target.

    An unanswered or unresolved ticket counts as breached once its due time has passed; a ticket
    waiting on the requester is not late for resolution while it waits (its due time will move),
    unless it was already late when it started waiting.
    """
    now = _at(w.now)
    fr, fr_due = Ticket.first_response_at, Ticket.response_due_at
    res, res_due = Ticket.resolved_at, Ticket.resolution_due_at
    late_open = and_(res.is_(None), res_due < now,
                     or_(Ticket.paused_at.is_(None), res_due < Ticket.paused_at))
    rows = session.execute(
        select(
            Ticket.priority,
            func.count(Ticket.id).label("tickets"),
            _count_if(and_(fr.is_not(None), fr <= fr_due)).label("first_response_met"),
            _count_if(or_(and_(fr.is_not(None), fr > fr_due),
                          and_(fr.is_(None), fr_due < now))).label("first_response_breached"),
            _count_if(and_(fr.is_(None), fr_due >= now)).label("first_response_running"),
            _count_if(and_(res.is_not(None), res <= res_due)).label("resolution_met"),
            _count_if(or_(and_(res.is_not(None), res > res_due), late_open))
            .label("resolution_breached"),
            _count_if(and_(res.is_(None), ~late_open)).label("resolution_running"),
        ).where(_in(Ticket.created_at, w), Ticket.status != "cancelled", *_team(w))
        .group_by(Ticket.priority).order_by(Ticket.priority)
    ).all()
    return [{k: (int(v) if k != "priority" else v) for k, v in r._mapping.items()} for r in rows]


# --- people's work ----------------------------------------------------------------------------

ACTIVITY = ("claimed", "commented", "noted", "resolved")


def technician_activity(session: Session, w: Window) -> list[dict[str, Any]]:
    """Per staff member: events of each kind they caused in the window, and the mean time from
    opening to each resolution they made (minus time waiting on the requester).

    Replies are public comments on tickets they did not ask for themselves. With a team, only
    members of that team are listed.
    """
    kinds = {kind: _count_if(Event.type == kind).label(kind) for kind in ACTIVITY}
    kinds["commented"] = _count_if(and_(Event.type == "commented",
                                        Event.actor_id != Ticket.requester_id)).label("commented")
    resolution = (seconds_between(Event.at, Ticket.created_at)
                  - func.coalesce(Ticket.paused_seconds, 0))
    query = (
        select(
            Person.id, Person.name, Person.team_code, Person.role, *kinds.values(),
            func.avg(case((Event.type == "resolved", resolution), else_=None))
            .label("mean_resolution"),
        )
        .join(Event, Event.actor_id == Person.id)
        .join(Ticket, Ticket.id == Event.ticket_id)
        .where(_in(Event.at, w), Event.type.in_(ACTIVITY),
               Person.role.in_(("technician", "lead", "admin")))
        .group_by(Person.id, Person.name, Person.team_code, Person.role)
    )
    if w.team:
        query = query.where(Person.team_code == w.team)
    active = {r.id: r for r in session.execute(query).all()}
    staff = select(Person.id, Person.name, Person.team_code, Person.role).where(
        Person.role.in_(("technician", "lead")), Person.active.is_(True))
    if w.team:
        staff = staff.where(Person.team_code == w.team)
    idle = [p for p in session.execute(staff).all() if p.id not in active]  # listed with zeros
    out = [{
        "person_id": r.id, "name": r.name, "team": r.team_code, "role": r.role,
        "claimed": int(r.claimed), "replies": int(r.commented), "notes": int(r.noted),
        "resolved": int(r.resolved),
        "mean_resolution_seconds": (float(r.mean_resolution)
                                    if r.mean_resolution is not None else None),
    } for r in active.values()]
    out += [{"person_id": p.id, "name": p.name, "team": p.team_code, "role": p.role,
             "claimed": 0, "replies": 0, "notes": 0, "resolved": 0,
             "mean_resolution_seconds": None} for p in idle]
    return sorted(out, key=lambda r: (-r["resolved"], -r["replies"], r["name"]))


def satisfaction(session: Session, w: Window) -> dict[str, Any]:
    """Survey answers given in the window: per rating, and how many carry a comment."""
    where = [_in(SurveyAnswer.answered_at, w)]
    query = select(SurveyAnswer.rating, func.count(SurveyAnswer.id),
                   func.count(SurveyAnswer.comment)).group_by(SurveyAnswer.rating)
    if w.team:
        query = query.join(Ticket, Ticket.id == SurveyAnswer.ticket_id)
        where.append(Ticket.team_code == w.team)
    rows = session.execute(query.where(*where)).all()
    return {
        "answers": sum(int(n) for _, n, _ in rows),
        "comments": sum(int(c) for _, _, c in rows),
        "ratings": {int(r): int(n) for r, n, _ in rows if r is not None},
    }


def survey_feedback(session: Session, w: Window, limit: int = 50) -> list[dict[str, Any]]:
    """What people wrote, and the low scores that alerted a lead, newest first: the part of a
    satisfaction report a lead actually acts on."""
    alerted = select(Event.ticket_id).where(Event.type == "survey_alert")
    query = (
        select(Ticket.key, Ticket.team_code, Person.name, SurveyAnswer.rating,
               SurveyAnswer.comment, SurveyAnswer.answered_at,
               Ticket.id.in_(alerted).label("alert"))
        .join(Ticket, Ticket.id == SurveyAnswer.ticket_id)
        .join(Person, Person.id == Ticket.assignee_id, isouter=True)
        .where(_in(SurveyAnswer.answered_at, w),
               or_(SurveyAnswer.comment.is_not(None), Ticket.id.in_(alerted)), *_team(w))
        .order_by(SurveyAnswer.answered_at.desc()).limit(limit)
    )
    return [{"ticket": key, "team": team, "assignee": name, "rating": rating,
             "comment": comment, "answered_at": at, "alert": bool(alert)}
            for key, team, name, rating, comment, at, alert in session.execute(query).all()]


def reopen_counts(session: Session, w: Window) -> dict[str, int]:
    """Tickets resolved in the window, and how many of those were ever reopened."""
    resolved = select(Event.ticket_id.label("tid")).distinct().where(
        Event.type == "resolved", _in(Event.at, w))
    if w.team:  # the join is only needed to know the team
        resolved = resolved.join(Ticket, Ticket.id == Event.ticket_id).where(*_team(w))
    tickets = resolved.subquery()
    reopened = select(Event.ticket_id).where(Event.type == "reopened")
    row = session.execute(select(
        func.count(tickets.c.tid),
        _count_if(tickets.c.tid.in_(reopened)),
    )).one()
    return {"resolved": int(row[0]), "reopened": int(row[1])}


# --- self-service and frequent problems ------------------------------------------------------

def deflections(session: Session, w: Window, *, top: int = 10) -> dict[str, Any]:
    """FAQ answers that solved the problem in the window, in total and per article."""
    count = func.count(Deflection.id)
    rows = session.execute(
        select(Deflection.article_id, count).where(_in(Deflection.at, w))
        .group_by(Deflection.article_id).order_by(count.desc(), Deflection.article_id)
    ).all()
    return {"total": sum(int(n) for _, n in rows),
            "articles": [(a, int(n)) for a, n in rows[:top]]}


_KEY = re.compile(r"(inc|req|sec)-\d+")
_WORD = re.compile(r"[a-z0-9ñ][a-z0-9ñ+#.-]*[a-z0-9ñ+#]|[a-z0-9ñ]")


def fold_word(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("ñ", "\0"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("\0", "ñ")


def title_words(session: Session, w: Window, stopwords: Iterable[str], *, top: int = 15,
                chunk: int = 500) -> list[tuple[str, int]]:
    """Most frequent words in the titles of tickets opened in the window (accents folded,
    stop words and ticket keys left out), counting each word once per title."""
    stop = {fold_word(s) for s in stopwords}
    counts: Counter[str] = Counter()
    result = session.execute(
        select(Ticket.title).where(_in(Ticket.created_at, w), *_team(w))
        .execution_options(yield_per=chunk)
    )
    for (title,) in result:
        words = {m for m in _WORD.findall(fold_word(title or "")) if len(m) > 2}
        counts.update(word for word in words
                      if word not in stop and not word.isdigit() and not _KEY.fullmatch(word))
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]


__all__ = [
    "DurationStats", "Window", "deflections", "duration_stats", "opened_by", "percentiles",
    "reopen_counts", "satisfaction", "seconds_between", "sla_by_priority", "survey_feedback",
    "technician_activity", "ticket_counts", "title_words", "utc_day",
]
