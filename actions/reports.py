"""Service-metric reports (004 "Seguimiento de métricas de servicio"): ticket volume, first
response and resolution times, SLA compliance, technician activity, satisfaction, deflection,
reopen rate and frequent problems (004 requirement 9, "Revisar el historial cuando ocurran
problemas frecuentes").

Each use case reads aggregates computed by the database (``store.reports``) and returns plain
dataclasses, which the command line prints as tables, JSON or CSV, and which templates can render
for people (``reports.j2``). Time and SLA figures are about the tickets *opened* in the period
(a cohort, so a ticket is judged once, against the targets it was opened with); resolutions,
closures and activity are counted when they happened.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import yaml

from actions.common import now as desk_now
from actions.settings import ROOT
from store import reports as q
from store.errors import InvalidInput
from store.uow import UnitOfWork

DEFAULT_DAYS = 30
SATISFIED_FROM = 4  # a rating of 4 or 5 (of 5) is a satisfied requester


@dataclass(frozen=True)
class Period:
    since: datetime
    until: datetime
    team: str | None = None

    @classmethod
    def last_days(cls, days: int = DEFAULT_DAYS, *, until: datetime | None = None,
                  team: str | None = None) -> Period:
        end = until or desk_now()
        return cls(end - timedelta(days=days), end, team)

    def window(self, now: datetime | None = None) -> q.Window:
        if self.since.tzinfo is None or self.until.tzinfo is None:
            raise InvalidInput("bad_datetime", field="period")
        if self.since >= self.until:
            raise InvalidInput("bad_period", since=self.since.isoformat(),
                               until=self.until.isoformat())
        return q.Window(self.since, self.until, now or desk_now(),
                        self.team.upper() if self.team else None)


@dataclass(frozen=True)
class Count:
    label: str
    count: int


def pct(part: int, whole: int) -> float | None:
    """A percentage with one decimal; None when there is nothing to divide by."""
    return round(100.0 * part / whole, 1) if whole else None


@dataclass(frozen=True)
class VolumeReport:
    period: Period
    opened: int
    resolved: int
    closed: int
    cancelled: int
    still_open: int
    by_category: list[Count]
    by_priority: list[Count]
    by_channel: list[Count]
    by_day: list[Count]


@dataclass(frozen=True)
class Durations:
    """Seconds (None when no ticket of the period got there)."""

    count: int
    mean: float | None
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class TimesReport:
    period: Period
    first_response: Durations
    resolution: Durations  # waiting on the requester excluded


@dataclass(frozen=True)
class SlaRow:
    priority: str
    tickets: int
    first_response_met: int
    first_response_breached: int
    first_response_running: int
    resolution_met: int
    resolution_breached: int
    resolution_running: int
    first_response_pct: float | None = None  # met / (met + breached)
    resolution_pct: float | None = None


@dataclass(frozen=True)
class SlaReport:
    period: Period
    rows: list[SlaRow]
    total: SlaRow


@dataclass(frozen=True)
class TechnicianRow:
    person_id: int
    name: str
    team: str | None
    role: str
    claimed: int
    replies: int
    notes: int
    resolved: int
    mean_resolution_seconds: float | None


@dataclass(frozen=True)
class TechniciansReport:
    period: Period
    rows: list[TechnicianRow]


@dataclass(frozen=True)
class SatisfactionReport:
    period: Period
    answers: int
    rated: int
    mean_rating: float | None
    distribution: dict[int, int]
    satisfied: int
    satisfied_pct: float | None
    comments: int
    alerts: int = 0
    feedback: list[dict[str, Any]] = field(default_factory=list)  # comments and alerts


@dataclass(frozen=True)
class DeflectionReport:
    period: Period
    deflected: int
    tickets_opened: int
    rate_pct: float | None  # deflected / (deflected + opened)
    articles: list[Count]


@dataclass(frozen=True)
class ReopenReport:
    period: Period
    resolved: int
    reopened: int
    rate_pct: float | None


@dataclass(frozen=True)
class FrequentReport:
    period: Period
    categories: list[Count]
    words: list[Count]
    articles: list[Count]


@dataclass(frozen=True)
class SummaryReport:
    period: Period
    volume: VolumeReport
    times: TimesReport
    sla: SlaReport
    satisfaction: SatisfactionReport
    deflection: DeflectionReport
    reopens: ReopenReport
    extra: dict[str, Any] = field(default_factory=dict)


def _counts(rows: list[tuple[str, int]]) -> list[Count]:
    return [Count(label, n) for label, n in rows]


def volume(uow: UnitOfWork, period: Period) -> VolumeReport:
    w = period.window()
    with uow:
        s = uow.session
        counts = q.ticket_counts(s, w)
        return VolumeReport(period, **counts,
                            by_category=_counts(q.opened_by(s, w, "category")),
                            by_priority=sorted(_counts(q.opened_by(s, w, "priority")),
                                               key=lambda c: c.label),
                            by_channel=_counts(q.opened_by(s, w, "channel")),
                            by_day=_counts(q.opened_by(s, w, "day")))


def times(uow: UnitOfWork, period: Period) -> TimesReport:
    w = period.window()
    with uow:
        first = q.duration_stats(uow.session, w, "first_response")
        resolution = q.duration_stats(uow.session, w, "resolution")
    return TimesReport(period, Durations(**asdict(first)), Durations(**asdict(resolution)))


def _sla_row(data: dict[str, Any]) -> SlaRow:
    fr = (data["first_response_met"], data["first_response_met"]
          + data["first_response_breached"])
    res = (data["resolution_met"], data["resolution_met"] + data["resolution_breached"])
    return SlaRow(**data, first_response_pct=pct(*fr), resolution_pct=pct(*res))


def sla(uow: UnitOfWork, period: Period, *, now: datetime | None = None) -> SlaReport:
    w = period.window(now)
    with uow:
        rows = q.sla_by_priority(uow.session, w)
    numbers = [k for k in SlaRow.__dataclass_fields__ if k not in
               ("priority", "first_response_pct", "resolution_pct")]
    total = {k: sum(r[k] for r in rows) for k in numbers}
    return SlaReport(period, [_sla_row(r) for r in rows], _sla_row({"priority": "all", **total}))


def technicians(uow: UnitOfWork, period: Period) -> TechniciansReport:
    w = period.window()
    with uow:
        rows = q.technician_activity(uow.session, w)
    return TechniciansReport(period, [TechnicianRow(**r) for r in rows])


def satisfaction(uow: UnitOfWork, period: Period) -> SatisfactionReport:
    w = period.window()
    with uow:
        data = q.satisfaction(uow.session, w)
        feedback = q.survey_feedback(uow.session, w)
    ratings: dict[int, int] = data["ratings"]
    scale = max([5, *ratings])
    distribution = {r: ratings.get(r, 0) for r in range(1, scale + 1)}
    rated = sum(ratings.values())
    satisfied = sum(n for r, n in ratings.items() if r >= SATISFIED_FROM)
    mean = round(sum(r * n for r, n in ratings.items()) / rated, 2) if rated else None
    return SatisfactionReport(period, data["answers"], rated, mean, distribution, satisfied,
                              pct(satisfied, rated), data["comments"],
                              sum(1 for f in feedback if f["alert"]), feedback)


def deflection(uow: UnitOfWork, period: Period) -> DeflectionReport:
    """FAQ answers that solved it against tickets opened (deflections have no team: a team
    filter narrows the tickets only)."""
    w = period.window()
    with uow:
        data = q.deflections(uow.session, w)
        opened = q.ticket_counts(uow.session, w)["opened"]
    return DeflectionReport(period, data["total"], opened,
                            pct(data["total"], data["total"] + opened),
                            _counts(data["articles"]))


def reopens(uow: UnitOfWork, period: Period) -> ReopenReport:
    w = period.window()
    with uow:
        data = q.reopen_counts(uow.session, w)
    return ReopenReport(period, data["resolved"], data["reopened"],
                        pct(data["reopened"], data["resolved"]))


def frequent(uow: UnitOfWork, period: Period, *, top: int = 10) -> FrequentReport:
    """What keeps coming back: top categories, title words and FAQ articles of the period."""
    w = period.window()
    with uow:
        s = uow.session
        categories = q.opened_by(s, w, "category")[:top]
        words = q.title_words(s, w, stopwords(), top=top)
        articles = q.deflections(s, w, top=top)["articles"]
    return FrequentReport(period, _counts(categories), _counts(words), _counts(articles))


def summary(uow: UnitOfWork, period: Period, *, now: datetime | None = None) -> SummaryReport:
    return SummaryReport(period, volume(uow, period), times(uow, period),
                         sla(uow, period, now=now), satisfaction(uow, period),
                         deflection(uow, period), reopens(uow, period))


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Words that say nothing about a problem: the knowledge base's list, plus a few of ours."""
    own = {"problema", "problemas", "error", "favor", "help", "issue", "the", "and", "with",
           "para", "por", "los", "las", "del", "una", "que", "con", "sin", "not", "can"}
    try:
        data = yaml.safe_load((ROOT / "kb" / "data" / "stopwords.yml").read_text("utf-8"))
        own |= {str(w) for w in (data or {}).get("words") or ()}
    except (OSError, yaml.YAMLError):
        pass
    return frozenset(own)


def to_dict(report: Any) -> dict[str, Any]:
    """JSON-ready (datetimes as ISO 8601) for ``--json`` output."""
    return _jsonable(asdict(report))


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def duration(seconds: float | None, missing: str = "-") -> str:
    """A report's time figure as people read it (``2d 3h``, ``1h 05m``, ``12m``, ``40s``); the
    command line and the web pages show the same figure the same way."""
    if seconds is None:
        return missing
    s = round(seconds)
    if s >= 86400:
        return f"{s // 86400}d {(s % 86400) // 3600}h"
    if s >= 3600:
        return f"{s // 3600}h {(s % 3600) // 60:02d}m"
    return f"{s // 60}m" if s >= 60 else f"{s}s"
