"""SLA due times: when the first response and the resolution are due for a ticket.

Targets come from config.yml per priority. The clock pauses while a ticket is ``pending``: on
resume, both due times move later by the paused interval. Elapsed time is counted by a
``WorkingTime`` calendar: round-the-clock by default, business hours when configured.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from actions.settings import SlaSettings


class WorkingTime(Protocol):
    def add(self, start: datetime, minutes: float) -> datetime:
        """The instant ``minutes`` of working time after ``start``."""


class AllHours:
    """Every minute counts (24x7)."""

    def add(self, start: datetime, minutes: float) -> datetime:
        return start + timedelta(minutes=minutes)


def due_times(
    start: datetime, priority: str, sla: SlaSettings, calendar: WorkingTime | None = None
) -> tuple[datetime, datetime]:
    """(first response due, resolution due) for a ticket opened at ``start``."""
    calendar = calendar or AllHours()
    target = sla.targets[priority]
    return (
        calendar.add(start, target.first_response_minutes),
        calendar.add(start, target.resolution_minutes),
    )


def start(
    ticket: TicketClock, now: datetime, sla: SlaSettings, calendar: WorkingTime | None = None
) -> None:
    """Set both due times for a ticket that has just been opened (or re-prioritised)."""
    ticket.response_due_at, ticket.resolution_due_at = due_times(
        ticket.created_at or now, ticket.priority, sla, calendar
    )
    if ticket.paused_seconds:
        shift = timedelta(seconds=ticket.paused_seconds)
        ticket.response_due_at += shift
        ticket.resolution_due_at += shift


def pause(ticket: TicketClock, now: datetime) -> None:
    """Stop the clock (the ticket waits on the requester)."""
    if ticket.paused_at is None:
        ticket.paused_at = now


def resume(ticket: TicketClock, now: datetime) -> None:
    """Restart the clock: the due times move later by the time spent waiting."""
    if ticket.paused_at is None:
        return
    waited = max(now - ticket.paused_at, timedelta(0))
    ticket.paused_seconds = (ticket.paused_seconds or 0) + int(waited.total_seconds())
    if ticket.response_due_at is not None and ticket.first_response_at is None:
        ticket.response_due_at += waited
    if ticket.resolution_due_at is not None:
        ticket.resolution_due_at += waited
    ticket.paused_at = None


class TicketClock(Protocol):
    """The ticket fields the clock reads and writes."""

    created_at: datetime
    priority: str
    response_due_at: datetime | None
    resolution_due_at: datetime | None
    first_response_at: datetime | None
    paused_at: datetime | None
    paused_seconds: int
