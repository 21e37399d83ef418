"""The figures of each page as tables: what the page draws and what its CSV links download.

A page and its CSV files are built by the same function from the same use-case results, so a
downloaded figure is exactly the one on the screen.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from actions import dashboard, reports
from actions.dashboard import Overview, TechnicianFigures, Trends
from actions.reports import Period

Table = tuple[list[str], list[list[Any]]]

#: A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_text(header: list[str], rows: list[list[Any]]) -> str:
    """The table as CSV; text that a spreadsheet would run as a formula is quoted with ``'``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[f"'{v}" if isinstance(v, str) and v.startswith(FORMULA_START) else v
                       for v in row] for row in rows])
    return out.getvalue()


@dataclass
class Figures:
    data: Any
    tables: dict[str, Table] = field(default_factory=dict)


def _counts(name: str, items: list[reports.Count]) -> Table:
    return [name, "tickets"], [[c.label, c.count] for c in items]


def overview_figures(o: Overview) -> Figures:
    return Figures(o, {
        "status": _counts("status", o.by_status),
        "team": _counts("team", o.by_team),
        "priority": _counts("priority", o.by_priority),
        "unassigned": (["key", "title", "priority", "team", "created_at"],
                       [[t["key"], t["title"], t["priority"], t["team_code"],
                         t["created_at"].isoformat()] for t in o.oldest_unassigned]),
        "sla_risk": (["key", "title", "priority", "team", "due_at", "breached"],
                     [[t["key"], t["title"], t["priority"], t["team_code"],
                       t["due_at"].isoformat() if t["due_at"] else "", bool(t["breached"])]
                      for t in o.risky]),
        "today_channel": _counts("channel", o.today_by_channel),
        "backlog": _counts("age", o.backlog_by_age),
    })


def _change(now: float | None, before: float | None) -> float | None:
    if now is None or before is None:
        return None
    return round(now - before, 2)


def headline(t: Trends) -> list[dict[str, Any]]:
    """The number cards: each figure of the period, the previous period's, and the change."""
    c, p = t.current, t.previous
    pairs: list[tuple[str, Any, Any, str]] = [
        ("opened", c.volume.opened, p.volume.opened, "n"),
        ("resolved", c.volume.resolved, p.volume.resolved, "n"),
        ("first_response_median", c.times.first_response.median,
         p.times.first_response.median, "s"),
        ("first_response_p90", c.times.first_response.p90, p.times.first_response.p90, "s"),
        ("resolution_median", c.times.resolution.median, p.times.resolution.median, "s"),
        ("resolution_p90", c.times.resolution.p90, p.times.resolution.p90, "s"),
        ("sla_resolution_pct", c.sla.total.resolution_pct, p.sla.total.resolution_pct, "%"),
        ("sla_first_response_pct", c.sla.total.first_response_pct,
         p.sla.total.first_response_pct, "%"),
        ("satisfaction_mean", c.satisfaction.mean_rating, p.satisfaction.mean_rating, "r"),
        ("first_contact_pct", t.first_contact["rate_pct"],
         t.previous_first_contact["rate_pct"], "%"),
        ("reopen_pct", c.reopens.rate_pct, p.reopens.rate_pct, "%"),
        ("deflection_pct", c.deflection.rate_pct, p.deflection.rate_pct, "%"),
    ]
    return [{"name": n, "value": v, "previous": b, "change": _change(v, b), "unit": u}
            for n, v, b, u in pairs]


def trends_figures(t: Trends) -> Figures:
    cards = headline(t)
    sat = t.current.satisfaction
    return Figures(t, {
        "headline": (["figure", "value", "previous", "change"],
                     [[x["name"], x["value"], x["previous"], x["change"]] for x in cards]),
        "volume_category": (["day", "category", "tickets"], [list(r) for r in t.per_day_category]),
        "volume_channel": (["day", "channel", "tickets"], [list(r) for r in t.per_day_channel]),
        "sla": (["priority", "tickets", "first_response_met", "first_response_breached",
                 "resolution_met", "resolution_breached", "first_response_pct",
                 "resolution_pct"],
                [[r.priority, r.tickets, r.first_response_met, r.first_response_breached,
                  r.resolution_met, r.resolution_breached, r.first_response_pct,
                  r.resolution_pct] for r in [*t.current.sla.rows, t.current.sla.total]]),
        "satisfaction": (["rating", "answers"],
                         [[k, v] for k, v in sorted(sat.distribution.items())]),
        "comments": (["key", "rating", "comment", "answered_at"],
                     [[c["key"], c["rating"], c["comment"], c["answered_at"].isoformat()]
                      for c in t.comments]),
        "deflection": (["article", "answered_without_ticket"],
                       [[c.label, c.count] for c in t.deflection_articles]),
        "backlog": _counts("age", t.backlog_by_age),
    })


TECH_COLUMNS = ["name", "team", "claimed", "resolved", "first_response_seconds",
                "resolution_seconds", "sla_met_pct", "rating_mean", "reopen_pct"]
TEAM_COLUMNS = ["first_response_seconds", "resolution_seconds", "sla_met_pct", "rating_mean",
                "reopen_pct"]


def technician_figures(rows: list[TechnicianFigures]) -> Figures:
    header = [*TECH_COLUMNS, *(f"team_{c}" for c in TEAM_COLUMNS)]
    return Figures(rows, {"technicians": (header, [
        [getattr(r, c) for c in TECH_COLUMNS] + [r.team_figures.get(c) for c in TEAM_COLUMNS]
        for r in rows])})


BUILDERS = {"overview", "trends", "technicians"}


def build(page: str, uow_factory: Any, *, team: str | None, period: Period) -> Figures:
    if page == "overview":
        return overview_figures(dashboard.overview(uow_factory(), team=team))
    if page == "trends":
        return trends_figures(dashboard.trends(uow_factory, period))
    return technician_figures(dashboard.technicians(uow_factory(), period))
