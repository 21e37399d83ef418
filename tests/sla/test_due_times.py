"""Each ticket stores its due times: per priority, in business hours, and moved by pauses."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from actions import work
from tests.sla.conftest import T0, later, open_with, use_business_hours

MX = ZoneInfo("America/Mexico_City")


@pytest.mark.parametrize("priority", ["P1", "P2", "P3", "P4"])
def test_targets_per_priority(services, cast, clock, priority):
    view = open_with(services, cast, priority)
    target = services.settings.sla.targets[priority]
    assert view.priority == priority
    assert view.response_due_at == T0 + timedelta(minutes=target.first_response_minutes)
    assert view.resolution_due_at == T0 + timedelta(minutes=target.resolution_minutes)


def test_business_hours_skip_the_weekend_and_a_holiday(services, cast, clock):
    use_business_hours(services)
    clock.move_to(datetime(2026, 3, 13, 17, 30, tzinfo=MX))  # Friday; Monday 16th is a holiday
    view = open_with(services, cast, "P2")  # 60 min first response, 480 resolution
    assert view.response_due_at == datetime(2026, 3, 17, 9, 30, tzinfo=MX)
    # 30 min on Friday, 7 h 30 on Tuesday.
    assert view.resolution_due_at == datetime(2026, 3, 17, 16, 30, tzinfo=MX)


def test_pause_and_resume_round_the_clock(services, cast, clock):
    view = open_with(services, cast, "P3")
    work.claim(services.uow(), key=view.key, actor_id=cast.ana.id)
    clock.move_to(later(60))
    paused = work.set_pending(services.uow(), key=view.key, actor_id=cast.ana.id,
                              question="¿Qué modelo de impresora es?")
    assert paused.paused_at == later(60)
    clock.move_to(later(240))
    resumed = work.comment(services.uow(), key=view.key, actor_id=cast.carlos.id,
                           text="Es una HP LaserJet")
    assert resumed.status == "in_progress" and resumed.paused_at is None
    assert resumed.resolution_due_at == view.resolution_due_at + timedelta(hours=3)
    # Staff answered (the question) before the pause: the first-response due time is history.
    assert resumed.response_due_at == view.response_due_at
    assert resumed.first_response_at == later(60)


def test_pause_over_a_weekend_costs_only_working_time(services, cast, clock):
    use_business_hours(services)
    clock.move_to(datetime(2026, 3, 13, 16, 0, tzinfo=MX))  # Friday 16:00
    view = open_with(services, cast, "P3")  # resolution 1440 working minutes
    assert view.resolution_due_at == datetime(2026, 3, 19, 13, 0, tzinfo=MX)  # Thursday
    clock.move_to(datetime(2026, 3, 13, 17, 0, tzinfo=MX))
    work.set_pending(services.uow(), key=view.key, actor_id=cast.ana.id, question="¿Modelo?")
    clock.move_to(datetime(2026, 3, 17, 10, 0, tzinfo=MX))  # Tuesday (Monday is a holiday)
    resumed = work.resume(services.uow(), key=view.key, actor_id=cast.ana.id)
    # Waited Friday 17-18 and Tuesday 9-10: two working hours, not 89 wall-clock hours.
    assert resumed.resolution_due_at == datetime(2026, 3, 19, 15, 0, tzinfo=MX)
    with services.uow() as uow:
        assert uow.tickets.get(view.key).paused_seconds == 2 * 3600


def test_new_priority_recomputes_due_times_keeping_paused_time(services, cast, clock):
    view = open_with(services, cast, "P4")
    work.set_pending(services.uow(), key=view.key, actor_id=cast.ana.id, question="¿Modelo?")
    clock.move_to(later(30))
    work.resume(services.uow(), key=view.key, actor_id=cast.ana.id)
    changed = work.set_priority(services.uow(), services.settings, key=view.key,
                                actor_id=cast.ana.id, priority="P1")
    p1 = services.settings.sla.targets["P1"]
    assert changed.resolution_due_at == T0 + timedelta(minutes=p1.resolution_minutes + 30)
