"""Per technician and per team: how the tickets they resolved went.

``store.reports.technician_activity`` counts what people did (claims, replies, resolutions);
this module measures the outcome of the tickets resolved in the window, grouped by the person
who had them (``assignee``) or by team, so each person's figure can stand beside their team's:
first response and resolution time (means, seconds), SLA met, reopened, satisfaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from store.models import Event, SurveyAnswer, Ticket
from store.reports import Window, _count_if, _in, _team, seconds_between

GROUPS = {"person": Ticket.assignee_id, "team": Ticket.team_code}


def resolved_outcomes(session: Session, w: Window, by: str) -> dict[Any, dict[str, Any]]:
    """Per assignee id or team code: tickets resolved in the window and how they went."""
    key = GROUPS[by]
    reopened = select(Event.ticket_id).where(Event.type == "reopened")
    first = seconds_between(Ticket.first_response_at, Ticket.created_at)
    resolution = (seconds_between(Ticket.resolved_at, Ticket.created_at)
                  - func.coalesce(Ticket.paused_seconds, 0))
    rows = session.execute(
        select(
            key.label("k"),
            func.count(Ticket.id).label("resolved"),
            func.avg(first).label("first_response"),
            func.avg(resolution).label("resolution"),
            _count_if(Ticket.resolved_at <= Ticket.resolution_due_at).label("sla_met"),
            _count_if(Ticket.resolution_due_at.is_not(None)).label("sla_counted"),
            _count_if(Ticket.id.in_(reopened)).label("reopened"),
        ).where(_in(Ticket.resolved_at, w), key.is_not(None), *_team(w)).group_by(key)
    ).all()
    out: dict[Any, dict[str, Any]] = {}
    for r in rows:
        out[r.k] = {
            "resolved": int(r.resolved),
            "first_response_seconds": _float(r.first_response),
            "resolution_seconds": _float(r.resolution),
            "sla_met": int(r.sla_met), "sla_counted": int(r.sla_counted),
            "reopened": int(r.reopened),
            "rating_mean": None, "ratings": 0,
        }
    ratings = session.execute(
        select(key.label("k"), func.avg(SurveyAnswer.rating), func.count(SurveyAnswer.rating))
        .join(Ticket, Ticket.id == SurveyAnswer.ticket_id)
        .where(and_(_in(SurveyAnswer.answered_at, w), SurveyAnswer.rating.is_not(None)),
               key.is_not(None), *_team(w))
        .group_by(key)
    ).all()
    for k, mean, n in ratings:
        entry = out.setdefault(k, {"resolved": 0, "first_response_seconds": None,
                                   "resolution_seconds": None, "sla_met": 0, "sla_counted": 0,
                                   "reopened": 0})
        entry["rating_mean"], entry["ratings"] = _float(mean), int(n)
    return out


def _float(value: Any) -> float | None:
    return None if value is None else round(float(value), 2)
