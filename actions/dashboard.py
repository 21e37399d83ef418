"""What the web dashboard shows: the live overview, trends against the previous period, and
each technician against their team.

Everything here is built from ``store.reports`` (the queries behind ``deskbot report``) and
``store.dashboard``/``store.technician_figures`` (what the dashboard adds), so a figure on the
page and the same figure on the command line come from one query and never disagree. Results are
plain dataclasses; the web channel draws and translates them.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from actions import reports
from actions.common import now as desk_now
from actions.reports import Count, Period, pct
from store import dashboard as dq
from store import reports as q
from store import technician_figures as tf
from store.uow import UnitOfWork

#: An SLA clock that runs out within this counts as "about to breach" on the overview.
SOON = timedelta(hours=2)


@dataclass(frozen=True)
class Overview:
    at: datetime
    team: str | None
    by_status: list[Count]
    by_team: list[Count]
    by_priority: list[Count]
    unassigned: int
    oldest_unassigned: list[dict[str, Any]]
    breached: int
    at_risk: int
    risky: list[dict[str, Any]]
    today_by_channel: list[Count]
    backlog_by_age: list[Count]

    @property
    def open_total(self) -> int:
        return sum(c.count for c in self.by_status)


def _sum_by(rows: list[dict[str, Any]], key: str, order: tuple[str, ...] = ()) -> list[Count]:
    totals: dict[str, int] = {}
    for row in rows:
        totals[row[key]] = totals.get(row[key], 0) + row["count"]
    if order:
        return [Count(k, totals[k]) for k in order if k in totals]
    return [Count(k, n) for k, n in sorted(totals.items())]


def overview(uow: UnitOfWork, *, team: str | None = None, at: datetime | None = None,
             ) -> Overview:
    """The queue as it stands: open by status, team and priority; unassigned and their age;
    about to breach and breached; today's volume (UTC day) by channel; backlog by age."""
    at = at or desk_now()
    midnight = at.replace(hour=0, minute=0, second=0, microsecond=0)
    with uow:
        s = uow.session
        breakdown = dq.open_breakdown(s, team=team)
        unassigned, oldest = dq.unassigned(s, team=team)
        risk = dq.sla_risk(s, now=at, soon=SOON, team=team)
        today = q.opened_by(s, q.Window(midnight, at + timedelta(seconds=1), at, team), "channel")
        backlog = dq.backlog_by_age(s, now=at, team=team)
    return Overview(
        at=at, team=team,
        by_status=_sum_by(breakdown, "status", q.ACTIVE_STATUSES),
        by_team=_sum_by(breakdown, "team"),
        by_priority=_sum_by(breakdown, "priority"),
        unassigned=unassigned, oldest_unassigned=oldest,
        breached=risk["breached"], at_risk=risk["at_risk"], risky=risk["tickets"],
        today_by_channel=[Count(label, n) for label, n in today],
        backlog_by_age=[Count(label, n) for label, n in backlog],
    )


@dataclass(frozen=True)
class Trends:
    current: reports.SummaryReport
    previous: reports.SummaryReport
    per_day_category: list[tuple[str, str, int]]
    per_day_channel: list[tuple[str, str, int]]
    first_contact: dict[str, Any]
    previous_first_contact: dict[str, Any]
    comments: list[dict[str, Any]]
    deflection_articles: list[Count]
    backlog_by_age: list[Count]


def previous_period(period: Period) -> Period:
    length = period.until - period.since
    return Period(period.since - length, period.since, period.team)


def _first_contact(data: dict[str, int]) -> dict[str, Any]:
    return {**data, "rate_pct": pct(data["first_contact"], data["resolved"])}


def _period_figures(uow: UnitOfWork, period: Period, at: datetime,
                    ) -> tuple[reports.SummaryReport, dict[str, Any]]:
    summary = reports.summary(uow, period, now=at)
    with uow:
        fcr = _first_contact(dq.first_contact(uow.session, period.window(at)))
    return summary, fcr


def trends(uow_factory: Callable[[], UnitOfWork], period: Period, *,
           at: datetime | None = None) -> Trends:
    """The period's figures beside the previous period of the same length.

    The two periods are independent reads, so the previous one is computed on a second
    connection while this one is: the page waits for the slower, not for both.
    """
    at = at or desk_now()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="trends") as pool:
        before = pool.submit(_period_figures, uow_factory(), previous_period(period), at)
        current, fcr = _period_figures(uow_factory(), period, at)
        uow = uow_factory()
        w = period.window(at)
        with uow:
            s = uow.session
            per_category = dq.opened_per_day_by(s, w, "category")
            per_channel = dq.opened_per_day_by(s, w, "channel")
            comments = dq.survey_comments(s, w)
            articles = q.deflections(s, w, top=50)["articles"]
            backlog = dq.backlog_by_age(s, now=at, team=w.team)
        previous, fcr_before = before.result()
    return Trends(current, previous, per_category, per_channel, fcr, fcr_before, comments,
                  [Count(a, n) for a, n in articles], [Count(a, n) for a, n in backlog])


@dataclass(frozen=True)
class TechnicianFigures:
    person_id: int
    name: str
    team: str | None
    claimed: int
    resolved: int
    first_response_seconds: float | None
    resolution_seconds: float | None
    sla_met_pct: float | None
    rating_mean: float | None
    reopen_pct: float | None
    team_figures: dict[str, Any] = field(default_factory=dict)


def _figures(o: dict[str, Any] | None) -> dict[str, Any]:
    o = o or {}
    return {
        "resolved": o.get("resolved", 0),
        "first_response_seconds": o.get("first_response_seconds"),
        "resolution_seconds": o.get("resolution_seconds"),
        "sla_met_pct": pct(o.get("sla_met", 0), o.get("sla_counted", 0)),
        "rating_mean": o.get("rating_mean"),
        "reopen_pct": pct(o.get("reopened", 0), o.get("resolved", 0)),
    }


def technicians(uow: UnitOfWork, period: Period) -> list[TechnicianFigures]:
    """Each staff member's figures of the period beside their team's: claimed and resolved
    (as ``deskbot report technicians`` counts them), and the outcome of the tickets they
    resolved (first response, resolution time, SLA met, satisfaction, reopened)."""
    activity = reports.technicians(uow, period).rows
    w = period.window()
    with uow:
        people = tf.resolved_outcomes(uow.session, w, "person")
        teams = tf.resolved_outcomes(uow.session, w, "team")
    out = []
    for row in activity:
        mine = _figures(people.get(row.person_id))
        out.append(TechnicianFigures(
            person_id=row.person_id, name=row.name, team=row.team, claimed=row.claimed,
            resolved=row.resolved,
            first_response_seconds=mine["first_response_seconds"],
            resolution_seconds=mine["resolution_seconds"], sla_met_pct=mine["sla_met_pct"],
            rating_mean=mine["rating_mean"], reopen_pct=mine["reopen_pct"],
            team_figures=_figures(teams.get(row.team)) if row.team else {},
        ))
    return out
