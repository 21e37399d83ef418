"""SLA due times: when the first response and the resolution are due for a ticket.

Targets come from config.yml per priority, in minutes of *working time*: round the clock by
default (``AllHours``), or business hours when ``sla.business_hours.enabled`` (``BusinessHours``:
weekdays, opening hours, holidays, in one time zone). A P2 opened on Friday at 17:30 with a
60-minute target and 09:00-18:00 hours is due on Monday at 09:30, not on Friday at 18:30.

The clock pauses while a ticket is ``pending``. ``paused_seconds`` counts the *working* seconds
spent paused, so ``due = calendar.add(created_at, target + paused)`` holds at all times; on resume
each open due time moves later by the working time the ticket waited (a pause from Friday 17:00
to Monday 10:00 costs two working hours, not 65 wall-clock hours).

``sla_next_at`` is the next instant the sweep has something to look at for this ticket (a warning
or a breach); the functions here keep it current, the sweep (``actions.sla``) advances it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from actions.settings import BusinessHours, SettingsError, SlaSettings

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MAX_DAYS = 3660  # a calendar walk never needs more than ten years


class WorkingTime(Protocol):
    def add(self, start: datetime, minutes: float) -> datetime:
        """The instant ``minutes`` of working time after ``start`` (before it when negative)."""

    def minutes_between(self, start: datetime, end: datetime) -> float:
        """Working minutes from ``start`` to ``end`` (negative when ``end`` is earlier)."""


class AllHours:
    """Every minute counts (24x7)."""

    def add(self, start: datetime, minutes: float) -> datetime:
        return start + timedelta(minutes=minutes)

    def minutes_between(self, start: datetime, end: datetime) -> float:
        return (end - start).total_seconds() / 60


class BusinessCalendar:
    """Working time on the configured weekdays between ``start`` and ``end`` local time, except
    holidays. Arithmetic is done in UTC on each day's opening window, so a daylight-saving change
    neither adds nor loses an hour."""

    def __init__(self, hours: BusinessHours) -> None:
        try:
            self.zone = ZoneInfo(hours.timezone)
        except Exception as exc:  # noqa: BLE001 - ZoneInfoNotFoundError, ValueError
            raise SettingsError(f"sla.business_hours.timezone: unknown {hours.timezone!r}") from exc
        unknown = [d for d in hours.weekdays if d.lower()[:3] not in WEEKDAYS]
        if unknown or not hours.weekdays:
            raise SettingsError(f"sla.business_hours.weekdays: use {', '.join(WEEKDAYS)}")
        self.weekdays = frozenset(WEEKDAYS.index(d.lower()[:3]) for d in hours.weekdays)
        try:
            self.opens = time.fromisoformat(hours.start)
            self.closes = time.fromisoformat(hours.end)
            self.holidays = frozenset(date.fromisoformat(d) for d in hours.holidays)
        except ValueError as exc:
            raise SettingsError(f"sla.business_hours: {exc}") from exc
        if self.opens >= self.closes:
            raise SettingsError("sla.business_hours: start must be before end")

    def window(self, day: date) -> tuple[datetime, datetime] | None:
        """The day's opening hours in UTC, or None when it is not a working day."""
        if day.weekday() not in self.weekdays or day in self.holidays:
            return None
        opens = datetime.combine(day, self.opens, tzinfo=self.zone).astimezone(UTC)
        closes = datetime.combine(day, self.closes, tzinfo=self.zone).astimezone(UTC)
        return opens, closes

    def add(self, start: datetime, minutes: float) -> datetime:
        if minutes < 0:
            return self._subtract(start, -minutes)
        left = timedelta(minutes=minutes)
        day = start.astimezone(self.zone).date()
        for _ in range(_MAX_DAYS):
            window = self.window(day)
            if window is not None:
                begin = max(start, window[0])
                if begin < window[1]:
                    available = window[1] - begin
                    if left <= available:
                        return begin + left
                    left -= available
            day += timedelta(days=1)
        raise SettingsError("sla.business_hours: no working time within ten years")

    def _subtract(self, end: datetime, minutes: float) -> datetime:
        left = timedelta(minutes=minutes)
        day = end.astimezone(self.zone).date()
        for _ in range(_MAX_DAYS):
            window = self.window(day)
            if window is not None:
                finish = min(end, window[1])
                if finish > window[0]:
                    available = finish - window[0]
                    if left <= available:
                        return finish - left
                    left -= available
            day -= timedelta(days=1)
        raise SettingsError("sla.business_hours: no working time within ten years")

    def minutes_between(self, start: datetime, end: datetime) -> float:
        if end < start:
            return -self.minutes_between(end, start)
        total = timedelta(0)
        day, last = start.astimezone(self.zone).date(), end.astimezone(self.zone).date()
        while day <= last:
            window = self.window(day)
            if window is not None:
                begin, finish = max(start, window[0]), min(end, window[1])
                if finish > begin:
                    total += finish - begin
            day += timedelta(days=1)
        return total.total_seconds() / 60


def calendar_for(sla: SlaSettings) -> WorkingTime:
    """The working-time calendar the settings ask for."""
    return _calendar(sla.business_hours)


@lru_cache(maxsize=16)
def _calendar(hours: BusinessHours) -> WorkingTime:
    return BusinessCalendar(hours) if hours.enabled else AllHours()


def calendar_of(uow: Any) -> WorkingTime:
    """The calendar lent to a unit of work by the composition root (``Services.uow``); 24x7 for
    a bare unit of work."""
    return uow.working_time or AllHours()


class TicketClock(Protocol):
    """The ticket fields the clock reads and writes."""

    created_at: datetime
    priority: str
    response_due_at: datetime | None
    resolution_due_at: datetime | None
    first_response_at: datetime | None
    paused_at: datetime | None
    paused_seconds: int
    sla_next_at: datetime | None


def due_times(
    start: datetime, priority: str, sla: SlaSettings, calendar: WorkingTime | None = None,
    paused_minutes: float = 0,
) -> tuple[datetime, datetime]:
    """(first response due, resolution due) for a ticket opened at ``start``."""
    calendar = calendar or calendar_for(sla)
    target = sla.targets[priority]
    return (
        calendar.add(start, target.first_response_minutes + paused_minutes),
        calendar.add(start, target.resolution_minutes + paused_minutes),
    )


def start(
    ticket: TicketClock, now: datetime, sla: SlaSettings, calendar: WorkingTime | None = None
) -> None:
    """Set both due times for a ticket that has just been opened (or re-prioritised).

    The first-response due time of a ticket already answered is history and stays as it was.
    """
    calendar = calendar or calendar_for(sla)
    response, resolution = due_times(ticket.created_at or now, ticket.priority, sla, calendar,
                                     (ticket.paused_seconds or 0) / 60)
    if ticket.first_response_at is None or ticket.response_due_at is None:
        ticket.response_due_at = response
    ticket.resolution_due_at = resolution
    if ticket.paused_at is None:
        ticket.sla_next_at = _first_check(ticket, sla, calendar)


def _first_check(ticket: TicketClock, sla: SlaSettings, calendar: WorkingTime) -> datetime:
    """The earliest warning (or breach, when warnings are off) the sweep must look at."""
    target = sla.targets[ticket.priority]
    pairs = [(ticket.resolution_due_at, target.resolution_minutes)]
    if ticket.first_response_at is None:
        pairs.append((ticket.response_due_at, target.first_response_minutes))
    warn = 0 < sla.warn_at < 1
    return min(warning_at(calendar, due, minutes, sla.warn_at) if warn else due
               for due, minutes in pairs if due is not None)


def pause(ticket: TicketClock, now: datetime) -> None:
    """Stop the clock (the ticket waits on the requester): nothing is due while it waits."""
    if ticket.paused_at is None:
        ticket.paused_at = now
        ticket.sla_next_at = None


def resume(ticket: TicketClock, now: datetime, calendar: WorkingTime | None = None) -> None:
    """Restart the clock: open due times move later by the working time spent waiting."""
    if ticket.paused_at is None:
        return
    calendar = calendar or AllHours()
    paused_at = ticket.paused_at
    waited = max(calendar.minutes_between(paused_at, now), 0.0)
    ticket.paused_seconds = (ticket.paused_seconds or 0) + round(waited * 60)
    if ticket.response_due_at is not None and ticket.first_response_at is None:
        ticket.response_due_at = _shift(calendar, ticket.response_due_at, paused_at, now)
    if ticket.resolution_due_at is not None:
        ticket.resolution_due_at = _shift(calendar, ticket.resolution_due_at, paused_at, now)
    ticket.paused_at = None
    ticket.sla_next_at = now


def rearm(ticket: TicketClock, now: datetime) -> None:
    """Ask the sweep to look at a ticket again (reopened after a resolution)."""
    if ticket.paused_at is None:
        ticket.sla_next_at = now


@dataclass(frozen=True)
class Stopwatch:
    """The clock the ``Ticket`` aggregate's transitions stop and restart, in one calendar
    (``store.domain.ticket.Clock``)."""

    calendar: WorkingTime | None = None
    #: The targets, for a stopwatch that may set new due times (``retarget``).
    sla: SlaSettings | None = None

    def pause(self, ticket: TicketClock, at: datetime) -> None:
        pause(ticket, at)

    def resume(self, ticket: TicketClock, at: datetime) -> None:
        resume(ticket, at, self.calendar)

    def rearm(self, ticket: TicketClock, at: datetime) -> None:
        rearm(ticket, at)

    def retarget(self, ticket: TicketClock, at: datetime) -> None:
        if self.sla is None:
            raise ValueError("this stopwatch has no SLA targets to set")
        start(ticket, at, self.sla, self.calendar)


def stopwatch_of(uow: Any) -> Stopwatch:
    """The stopwatch in the calendar lent to ``uow`` (``calendar_of``)."""
    return Stopwatch(calendar_of(uow))


def _shift(calendar: WorkingTime, due: datetime, paused_at: datetime, now: datetime) -> datetime:
    """The working time that was left at the pause (negative if already overdue), from now."""
    if now <= paused_at:
        return due
    return calendar.add(now, calendar.minutes_between(paused_at, due))


def remaining_minutes(calendar: WorkingTime, due: datetime | None, now: datetime,
                      paused_at: datetime | None = None) -> float | None:
    """Working minutes left until ``due`` (negative: overdue); frozen at the pause if paused."""
    if due is None:
        return None
    return calendar.minutes_between(paused_at or now, due)


def warning_at(calendar: WorkingTime, due: datetime, target_minutes: float,
               warn_at: float) -> datetime:
    """When ``warn_at`` (a fraction) of the target has been used: the rest before ``due``."""
    return calendar.add(due, -(1.0 - warn_at) * target_minutes)
