"""Where a ticket stands against its SLA: the milestones the sweep acts on (warning at
``sla.warn_at`` of each target, breach at 100 %) and the read-only status that ``deskbot sla show``,
``deskbot ticket show`` and the Slack cards display (time left, paused, breached).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from actions import sla_clock
from actions.ports import Desk
from actions.settings import SlaSettings
from actions.sla_clock import WorkingTime

TARGETS = ("response", "resolution")
#: Statuses in which the SLA clock runs (pending pauses it; resolved and after, it is over).
RUNNING = frozenset({"new", "open", "in_progress"})


@dataclass(frozen=True)
class Milestone:
    """One thing the sweep announces once: ``kind`` is its notice key (``sla_breach:response``)."""

    type: str  # sla_warning | sla_breach
    target: str  # response | resolution
    when: datetime
    due_at: datetime
    target_minutes: int

    @property
    def kind(self) -> str:
        return f"{self.type}:{self.target}"


def milestones(ticket: Any, sla: SlaSettings, calendar: WorkingTime) -> list[Milestone]:
    """The warnings and breaches still relevant to a ticket, in time order.

    Nothing while the clock is stopped; no first-response milestones once staff has answered.
    """
    if ticket.status not in RUNNING or ticket.paused_at is not None:
        return []
    target = sla.targets.get(ticket.priority)
    if target is None:
        return []
    out: list[Milestone] = []
    pairs = (("response", ticket.response_due_at, target.first_response_minutes),
             ("resolution", ticket.resolution_due_at, target.resolution_minutes))
    for name, due, minutes in pairs:
        if due is None or (name == "response" and ticket.first_response_at is not None):
            continue
        if 0 < sla.warn_at < 1:
            warn = sla_clock.warning_at(calendar, due, minutes, sla.warn_at)
            out.append(Milestone("sla_warning", name, warn, due, minutes))
        out.append(Milestone("sla_breach", name, due, due, minutes))
    return sorted(out, key=lambda m: m.when)


@dataclass(frozen=True)
class TargetStatus:
    """One target (first response or resolution) as a person reads it."""

    target: str
    minutes: int
    due_at: datetime | None
    done_at: datetime | None  # first response / resolution, if it happened
    minutes_left: float | None  # working minutes; negative: overdue; None when done or no due
    breached: bool
    warned: bool

    def to_dict(self, zone: ZoneInfo) -> dict[str, Any]:
        return {
            "target": self.target, "target_minutes": self.minutes,
            "due_at": _iso(self.due_at), "due_local": _iso(self.due_at, zone),
            "done_at": _iso(self.done_at), "minutes_left": _round(self.minutes_left),
            "breached": self.breached, "warned": self.warned,
        }


@dataclass(frozen=True)
class SlaStatus:
    key: str
    priority: str
    status: str
    timezone: str
    business_hours: bool
    paused_since: datetime | None
    paused_minutes: float
    response: TargetStatus
    resolution: TargetStatus

    def to_dict(self) -> dict[str, Any]:
        zone = ZoneInfo(self.timezone)
        return {
            "key": self.key, "priority": self.priority, "status": self.status,
            "timezone": self.timezone, "business_hours": self.business_hours,
            "paused": self.paused_since is not None, "paused_since": _iso(self.paused_since),
            "paused_minutes": _round(self.paused_minutes),
            "response": self.response.to_dict(zone), "resolution": self.resolution.to_dict(zone),
        }


def sla_status(ticket: Any, sla: SlaSettings, calendar: WorkingTime, now: datetime, *,
               timezone: str = "UTC", notices: frozenset[str] = frozenset()) -> SlaStatus:
    """The SLA of a ticket (ORM row or TicketView) at ``now``; ``notices`` = kinds already sent."""
    target = sla.targets.get(ticket.priority)
    paused_at = ticket.paused_at
    over = ticket.status in ("closed", "cancelled")

    def one(name: str, due: datetime | None, done: datetime | None, minutes: int) -> TargetStatus:
        if done is None and over:
            done = getattr(ticket, "closed_at", None)
        left = None
        if due is not None and done is None:
            left = sla_clock.remaining_minutes(calendar, due, now, paused_at)
        if due is None:
            breached = False
        elif done is not None:
            breached = done > due
        else:
            breached = (left or 0) < 0 or f"sla_breach:{name}" in notices
        return TargetStatus(name, minutes, due, done, left, breached,
                            f"sla_warning:{name}" in notices)

    resolved = getattr(ticket, "resolved_at", None)
    return SlaStatus(
        key=ticket.key, priority=ticket.priority, status=ticket.status, timezone=timezone,
        business_hours=not isinstance(calendar, sla_clock.AllHours),
        paused_since=paused_at,
        paused_minutes=(getattr(ticket, "paused_seconds", 0) or 0) / 60 + (
            max(calendar.minutes_between(paused_at, now), 0.0) if paused_at else 0.0),
        response=one("response", ticket.response_due_at, ticket.first_response_at,
                     target.first_response_minutes if target else 0),
        resolution=one("resolution", ticket.resolution_due_at, resolved,
                       target.resolution_minutes if target else 0),
    )


def describe_left(minutes: float | None, lang: str = "en") -> str:
    """``2h 05m left`` / ``overdue by 40m`` (plain text for the command line)."""
    if minutes is None:
        return "-"
    whole = round(abs(minutes))
    days, rest = divmod(whole, 24 * 60)
    hours, mins = divmod(rest, 60)
    text = (f"{days}d " if days else "") + (f"{hours}h " if days or hours else "") + f"{mins:02d}m"
    if lang == "es":
        return f"quedan {text}" if minutes >= 0 else f"vencido hace {text}"
    return f"{text} left" if minutes >= 0 else f"overdue by {text}"


def _iso(value: datetime | None, zone: ZoneInfo | None = None) -> str | None:
    if value is None:
        return None
    return (value.astimezone(zone) if zone else value).isoformat()


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def ticket_sla(services: Desk, key: str, now: datetime) -> SlaStatus:
    """The SLA of one ticket, in its requester's time zone (NotFound for an unknown key)."""
    from sqlalchemy import select

    from store.models import Notice

    with services.uow() as uow:
        ticket = uow.tickets.get(key)
        notices = frozenset(uow.session.scalars(
            select(Notice.kind).where(Notice.ticket_id == ticket.id)).all())
        return sla_status(ticket, services.settings.sla, sla_clock.calendar_of(uow), now,
                          timezone=_zone_name(ticket.requester.timezone), notices=notices)


def _zone_name(name: str | None) -> str:
    try:
        ZoneInfo(name or "UTC")
    except Exception:  # noqa: BLE001 - a bad stored zone must not hide the SLA
        return "UTC"
    return name or "UTC"
