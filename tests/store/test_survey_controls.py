"""Who is surveyed (sample rate, per-person cooldown), and for how long a survey takes answers."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
import time_machine

from actions import closure, work
from actions.settings import SurveySettings
from store.errors import Conflict
from tests.store.test_tickets import new

T0 = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)


def _closed(services, settings, person, tech):
    key = new(services, settings, person).key
    work.resolve(services.uow(), key=key, actor_id=tech.id, summary="Hecho")
    return closure.confirm(services.uow(), key=key, actor_id=person.id, settings=settings)


def _with(settings, **survey):
    return dataclasses.replace(settings, survey=SurveySettings(**survey))


@pytest.mark.parametrize("rate,least,most", [(0.0, 0, 0), (1.0, 8, 8), (0.5, 2, 6)])
def test_sample_rate_surveys_a_share_of_closed_tickets(services, settings, cast, rate, least,
                                                       most):
    settings = _with(settings, sample_rate=rate)
    people = [cast.carlos, cast.emma]
    offered = [_closed(services, settings, people[n % 2], cast.ana).extra["survey"]
               for n in range(8)]
    assert least <= sum(offered) <= most


def test_cooldown_is_per_person_and_expiry_refuses_late_answers(services, settings, cast):
    settings = _with(settings, min_days_between=7, expire_days=3)
    with time_machine.travel(T0, tick=False) as clock:
        assert _closed(services, settings, cast.carlos, cast.ana).extra["survey"] is True
        assert _closed(services, settings, cast.carlos, cast.ana).extra["survey"] is False
        assert _closed(services, settings, cast.emma, cast.ana).extra["survey"] is True
        clock.shift(8 * 86400)
        third = _closed(services, settings, cast.carlos, cast.ana)
        assert third.extra["survey"] is True
        clock.shift(4 * 86400)
        with pytest.raises(Conflict) as refused:
            closure.answer_survey(services.uow(), settings, key=third.key,
                                  actor_id=cast.carlos.id, rating=5)
        assert refused.value.code == "survey_expired"
