"""Business hours: targets count working minutes, skipping nights, weekends and holidays."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from actions.settings import BusinessHours, SettingsError
from actions.sla_clock import AllHours, BusinessCalendar

MX = ZoneInfo("America/Mexico_City")
HOURS = BusinessHours(enabled=True, timezone="America/Mexico_City", start="09:00", end="18:00",
                      holidays=("2026-03-16",))  # Benito Juárez day: a Monday


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=MX)


@pytest.fixture
def cal() -> BusinessCalendar:
    return BusinessCalendar(HOURS)


def test_a_friday_evening_hour_lands_on_monday_morning(cal):
    assert cal.add(local(2026, 3, 6, 17, 30), 60) == local(2026, 3, 9, 9, 30)


def test_a_holiday_monday_is_skipped_too(cal):
    assert cal.add(local(2026, 3, 13, 17, 30), 60) == local(2026, 3, 17, 9, 30)


def test_a_ticket_opened_at_night_starts_counting_at_opening_time(cal):
    assert cal.add(local(2026, 3, 10, 22, 0), 15) == local(2026, 3, 11, 9, 15)
    assert cal.add(local(2026, 3, 14, 11, 0), 15) == local(2026, 3, 17, 9, 15)  # Saturday


def test_a_full_day_target_spans_the_weekend(cal):
    # 24 working hours from Thursday 12:00: Thu 6 h, Fri 9 h, Mon 9 h -> Monday 18:00.
    assert cal.add(local(2026, 3, 5, 12, 0), 24 * 60) == local(2026, 3, 9, 18, 0)


def test_working_minutes_between_and_backwards(cal):
    start, end = local(2026, 3, 13, 17, 0), local(2026, 3, 17, 10, 0)
    assert cal.minutes_between(start, end) == 120  # Fri 17-18, (Sat, Sun, holiday), Tue 9-10
    assert cal.minutes_between(end, start) == -120
    assert cal.add(end, -120) == start
    assert cal.add(cal.add(start, 500), -500) == start


def test_results_are_utc_comparable(cal):
    due = cal.add(datetime(2026, 3, 6, 23, 30, tzinfo=UTC), 60)  # Fri 17:30 in Mexico City
    assert due == datetime(2026, 3, 9, 15, 30, tzinfo=UTC)


def test_daylight_saving_change_neither_adds_nor_loses_an_hour():
    madrid = BusinessCalendar(BusinessHours(enabled=True, timezone="Europe/Madrid"))
    zone = ZoneInfo("Europe/Madrid")
    # Clocks go forward on Sunday 2026-03-29: Friday 17:00 + 2 h -> Monday 10:00 local.
    assert madrid.add(datetime(2026, 3, 27, 17, 0, tzinfo=zone), 120) == \
        datetime(2026, 3, 30, 10, 0, tzinfo=zone)


def test_round_the_clock_is_plain_arithmetic():
    start = datetime(2026, 3, 6, 23, 30, tzinfo=UTC)
    assert AllHours().add(start, 90) == datetime(2026, 3, 7, 1, 0, tzinfo=UTC)
    assert AllHours().minutes_between(start, datetime(2026, 3, 7, 1, 0, tzinfo=UTC)) == 90


@pytest.mark.parametrize("hours", [
    BusinessHours(enabled=True, timezone="Mars/Olympus"),
    BusinessHours(enabled=True, weekdays=("funday",)),
    BusinessHours(enabled=True, start="18:00", end="09:00"),
    BusinessHours(enabled=True, holidays=("25/12/2026",)),
])
def test_unusable_business_hours_are_refused_clearly(hours):
    with pytest.raises(SettingsError):
        BusinessCalendar(hours)
