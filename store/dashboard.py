"""Queries behind the live overview and the trend figures that ``store.reports`` lacked.

Same rules as ``store.reports``: the database aggregates, Python receives a handful of rows, and
``now`` is always passed in. The overview reads only active tickets (``ix_tickets_status_team``),
so it costs the same with a year of history behind it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from store.models import Event, SurveyAnswer, Ticket
from store.reports import ACTIVE_STATUSES, Window, _at, _count_if, _in, _team, utc_day

#: Backlog age buckets: label and the upper bound of the age in days (None: no bound).
AGE_BUCKETS: tuple[tuple[str, float | None], ...] = (
    ("<1d", 1), ("1-3d", 3), ("3-10d", 10), (">10d", None))


def _scope(team: str | None) -> list[Any]:
    return [Ticket.team_code == team] if team else []


def open_breakdown(session: Session, *, team: str | None = None) -> list[dict[str, Any]]:
    """Active tickets counted per (status, team, priority): the overview's three breakdowns."""
    rows = session.execute(
        select(Ticket.status, Ticket.team_code, Ticket.priority, func.count(Ticket.id))
        .where(Ticket.status.in_(ACTIVE_STATUSES), *_scope(team))
        .group_by(Ticket.status, Ticket.team_code, Ticket.priority)
    ).all()
    return [{"status": s, "team": t or "-", "priority": p, "count": int(n)} for s, t, p, n in rows]


def unassigned(session: Session, *, team: str | None = None, limit: int = 10,
               ) -> tuple[int, list[dict[str, Any]]]:
    """How many active tickets nobody has claimed, and the oldest of them."""
    where = [Ticket.status.in_(ACTIVE_STATUSES), Ticket.assignee_id.is_(None), *_scope(team)]
    total = session.scalar(select(func.count(Ticket.id)).where(*where)) or 0
    rows = session.execute(
        select(Ticket.key, Ticket.title, Ticket.priority, Ticket.team_code, Ticket.created_at)
        .where(*where).order_by(Ticket.created_at).limit(limit)
    ).all()
    return int(total), [dict(r._mapping) for r in rows]


def sla_risk(session: Session, *, now: datetime, soon: timedelta, team: str | None = None,
             limit: int = 10) -> dict[str, Any]:
    """Active tickets whose running SLA clock has run out (breached) or runs out within ``soon``.

    A clock runs while the ticket is not waiting on the requester; the first-response clock only
    until someone answers. The nearer of the two due times is the one that matters.
    """
    running = and_(Ticket.status.in_(ACTIVE_STATUSES), Ticket.paused_at.is_(None), *_scope(team))
    response_due = case((Ticket.first_response_at.is_(None), Ticket.response_due_at), else_=None)
    due = func.coalesce(
        case((response_due < Ticket.resolution_due_at, response_due),
             else_=Ticket.resolution_due_at), Ticket.resolution_due_at)
    t_now, t_soon = _at(now), _at(now + soon)
    breached = or_(Ticket.resolution_due_at < t_now,
                   and_(Ticket.first_response_at.is_(None), Ticket.response_due_at < t_now))
    at_risk = and_(~breached, or_(
        Ticket.resolution_due_at < t_soon,
        and_(Ticket.first_response_at.is_(None), Ticket.response_due_at < t_soon)))
    counts = session.execute(
        select(_count_if(breached), _count_if(at_risk)).where(running)).one()
    rows = session.execute(
        select(Ticket.key, Ticket.title, Ticket.priority, Ticket.team_code,
               due.label("due_at"), breached.label("breached"))
        .where(running, or_(breached, at_risk)).order_by(due).limit(limit)
    ).all()
    return {"breached": int(counts[0]), "at_risk": int(counts[1]),
            "tickets": [dict(r._mapping) for r in rows]}


def backlog_by_age(session: Session, *, now: datetime, team: str | None = None,
                   ) -> list[tuple[str, int]]:
    """Active tickets per age bucket (``AGE_BUCKETS``), youngest first, empty buckets included."""
    whens = [(Ticket.created_at > _at(now - timedelta(days=bound)), label)
             for label, bound in AGE_BUCKETS if bound is not None]
    bucket = case(*whens, else_=AGE_BUCKETS[-1][0])
    found: dict[str, int] = dict(session.execute(  # type: ignore[arg-type]
        select(bucket, func.count(Ticket.id))
        .where(Ticket.status.in_(ACTIVE_STATUSES), *_scope(team)).group_by(bucket)
    ).all())
    return [(label, int(found.get(label, 0))) for label, _ in AGE_BUCKETS]


def opened_per_day_by(session: Session, w: Window, grouping: str) -> list[tuple[str, str, int]]:
    """``(day, category or channel, tickets)`` for the tickets opened in the window."""
    column = {"category": Ticket.category, "channel": Ticket.channel}[grouping]
    day = utc_day(Ticket.created_at)
    rows = session.execute(
        select(day, column, func.count(Ticket.id)).where(_in(Ticket.created_at, w), *_team(w))
        .group_by(day, column).order_by(day, column)
    ).all()
    return [(str(d), str(label), int(n)) for d, label, n in rows]


def first_contact(session: Session, w: Window) -> dict[str, int]:
    """Tickets resolved in the window, and how many of them at the first contact: never
    transferred (one routing), never sent back to the requester with a question, never reopened.

    Correlated per resolved ticket (``uq_events_ticket_seq`` finds a ticket's events), so the
    cost follows the window, not the whole event history.
    """
    other = aliased(Event)
    later = select(other.id).where(other.ticket_id == Ticket.id,
                                   other.type.in_(("reopened", "pending"))).exists()
    routings = (select(func.count(other.id))
                .where(other.ticket_id == Ticket.id, other.type == "routed").scalar_subquery())
    row = session.execute(
        select(func.count(Ticket.id), _count_if(and_(~later, routings <= 1)))
        .where(_in(Ticket.resolved_at, w), *_team(w))
    ).one()
    return {"resolved": int(row[0]), "first_contact": int(row[1])}


def survey_comments(session: Session, w: Window, *, limit: int = 10) -> list[dict[str, Any]]:
    """The latest survey comments of the window, with their rating and ticket."""
    rows = session.execute(
        select(Ticket.key, SurveyAnswer.rating, SurveyAnswer.comment, SurveyAnswer.answered_at)
        .join(Ticket, Ticket.id == SurveyAnswer.ticket_id)
        .where(_in(SurveyAnswer.answered_at, w), SurveyAnswer.comment.is_not(None),
               SurveyAnswer.comment != "", *_team(w))
        .order_by(SurveyAnswer.answered_at.desc()).limit(limit)
    ).all()
    return [dict(r._mapping) for r in rows]
