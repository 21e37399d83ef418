"""The weekly digest for each lead: the week's figures beside the week before, and the tickets
opened per day (the chart the Slack channel draws and attaches).

``queue_digests`` writes one outbox message per active lead (and admin) in one commit, keyed by
the week and the person, so a digest job that runs twice, or on several processes, still sends
each lead one digest. The figures are those of ``deskbot report`` (same queries).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from actions import reports
from actions.common import now as desk_now
from actions.reports import Period
from store import dashboard as dq
from store.models import OutboxMessage
from store.uow import UnitOfWork

DIGEST_TEMPLATE = "digest"


def last_week(at: datetime | None = None) -> Period:
    """The seven days ending at the last midnight (UTC)."""
    end = (at or desk_now()).replace(hour=0, minute=0, second=0, microsecond=0)
    return Period(end - timedelta(days=7), end)


def digest_figures(uow: UnitOfWork, period: Period, *, at: datetime | None = None,
                   ) -> dict[str, Any]:
    """The week's headline figures, the previous week's, and tickets opened per day and
    channel: a plain dict, as it travels in the outbox."""
    at = at or desk_now()
    before = Period(period.since - (period.until - period.since), period.since, period.team)
    week, prior = reports.summary(uow, period, now=at), reports.summary(uow, before, now=at)
    with uow:
        per_day = dq.opened_per_day_by(uow.session, period.window(at), "channel")

    def figures(r: reports.SummaryReport) -> dict[str, Any]:
        return {
            "opened": r.volume.opened, "resolved": r.volume.resolved,
            "still_open": r.volume.still_open,
            "first_response_median": r.times.first_response.median,
            "resolution_median": r.times.resolution.median,
            "sla_resolution_pct": r.sla.total.resolution_pct,
            "sla_breached": r.sla.total.resolution_breached,
            "satisfaction_mean": r.satisfaction.mean_rating,
            "deflected": r.deflection.deflected, "reopen_pct": r.reopens.rate_pct,
        }

    days = [(period.since + timedelta(days=i)).date().isoformat()
            for i in range((period.until - period.since).days)]
    return {"since": period.since.isoformat(), "until": period.until.isoformat(),
            "week": figures(week), "previous": figures(prior), "days": days,
            "per_day": [list(row) for row in per_day]}


def queue_digests(uow: UnitOfWork, period: Period, *, at: datetime | None = None) -> int:
    """One digest per active lead and admin, in their language; returns how many were queued
    (0 when this week's were queued already)."""
    figures = digest_figures(uow, period, at=at)
    week = period.since.date().isoformat()
    queued = 0
    with uow:
        for person in [*uow.people.list(role="lead"), *uow.people.list(role="admin")]:
            if not person.active:
                continue
            before = uow.outbox.queued
            uow.outbox.add(OutboxMessage(
                key=f"digest:{week}:{person.id}", channel="slack",
                recipient={"type": "person", "person_id": person.id},
                template=DIGEST_TEMPLATE, language=person.language, context=figures))
            queued += uow.outbox.queued - before
        uow.commit()
    return queued
