"""Every report figure against the hand-computed month of ``month.py``, on both databases."""

from __future__ import annotations

import pytest

from actions import reports
from actions.reports import Count, Period
from store.errors import InvalidInput
from tests.reports.month import NOW, SINCE, UNTIL

NOVEMBER = Period(SINCE, UNTIL)
L1 = Period(SINCE, UNTIL, "L1")


def test_volume_counts_each_ticket_of_the_period_once(services, month):
    v = reports.volume(services.uow(), NOVEMBER)
    assert (v.opened, v.resolved, v.closed, v.cancelled, v.still_open) == (5, 3, 2, 1, 1)
    assert v.by_category == [Count("software", 2), Count("hardware", 1), Count("network", 1),
                             Count("other", 1)]
    assert v.by_priority == [Count("P1", 1), Count("P3", 3), Count("P4", 1)]
    assert v.by_channel == [Count("console", 2), Count("slack", 2), Count("email", 1)]
    assert v.by_day == [Count(d, 1) for d in ("2026-11-02", "2026-11-03", "2026-11-05",
                                              "2026-11-10", "2026-11-20")]


def test_volume_of_one_team(services, month):
    v = reports.volume(services.uow(), L1)
    assert (v.opened, v.resolved, v.closed, v.cancelled, v.still_open) == (4, 2, 2, 1, 1)
    assert Count("network", 1) not in v.by_category


def test_first_response_and_resolution_times_exclude_waiting(services, month):
    t = reports.times(services.uow(), NOVEMBER)
    # first responses: 20, 30 and 60 minutes
    assert t.first_response.count == 3
    assert t.first_response.mean == pytest.approx(2200)
    assert t.first_response.median == pytest.approx(1800)
    assert t.first_response.p90 == pytest.approx(1800 + 0.8 * 1800)
    # resolutions: 20 min, 3 h, and 8 h minus 2 h waiting on the requester
    assert t.resolution.count == 3
    assert t.resolution.mean == pytest.approx((1200 + 10800 + 21600) / 3)
    assert t.resolution.median == pytest.approx(10800)
    assert t.resolution.p90 == pytest.approx(10800 + 0.8 * 10800)


def test_times_of_an_empty_period_are_none(services, month):
    from datetime import timedelta

    empty = Period(UNTIL + timedelta(days=1), UNTIL + timedelta(days=2))
    t = reports.times(services.uow(), empty)
    assert (t.first_response.count, t.first_response.mean, t.resolution.p90) == (0, None, None)


def test_sla_compliance_per_priority(services, month):
    s = reports.sla(services.uow(), NOVEMBER, now=NOW)
    rows = {r.priority: r for r in s.rows}
    assert set(rows) == {"P1", "P3", "P4"}  # the cancelled ticket is not judged
    p1, p3, p4 = rows["P1"], rows["P3"], rows["P4"]
    assert (p1.tickets, p1.first_response_met, p1.first_response_breached) == (1, 0, 1)
    assert (p1.resolution_met, p1.resolution_breached, p1.resolution_pct) == (0, 1, 0.0)
    assert (p3.tickets, p3.first_response_met, p3.resolution_met) == (2, 2, 2)
    assert (p3.first_response_pct, p3.resolution_pct) == (100.0, 100.0)
    assert (p4.first_response_breached, p4.resolution_breached) == (1, 1)  # never answered
    total = s.total
    assert (total.tickets, total.first_response_met, total.first_response_breached) == (4, 2, 2)
    assert (total.first_response_pct, total.resolution_pct) == (50.0, 50.0)


def test_open_ticket_within_target_is_running_not_breached(services, month):
    # On 5 November at noon the untouched P4 ticket (opened 10:00) still has time to answer.
    early = reports.sla(services.uow(), Period(SINCE, UNTIL, "L1"),
                        now=NOW.replace(month=11, day=5, hour=12))
    p4 = next(r for r in early.rows if r.priority == "P4")
    assert (p4.first_response_running, p4.first_response_breached) == (1, 0)
    assert (p4.resolution_running, p4.resolution_breached, p4.resolution_pct) == (1, 0, None)


def test_technician_activity(services, month, cast):
    rows = {r.name: r for r in reports.technicians(services.uow(), NOVEMBER).rows}
    ana, luis = rows["Ana Torres"], rows["Luis Pérez"]
    assert (ana.claimed, ana.replies, ana.notes, ana.resolved) == (1, 1, 1, 2)
    assert ana.mean_resolution_seconds == pytest.approx((10800 + 1200) / 2)
    assert (luis.claimed, luis.replies, luis.notes, luis.resolved) == (0, 1, 0, 2)
    # 13:30 and 16:00 after an 08:00 opening, minus the 2 h spent waiting on Emma
    assert luis.mean_resolution_seconds == pytest.approx((12600 + 21600) / 2)
    idle = rows["Sam Lee"]
    assert (idle.claimed, idle.replies, idle.resolved, idle.mean_resolution_seconds) == (
        0, 0, 0, None)
    assert "Carlos Gómez" not in rows and "Emma Brown" not in rows
    team = [r.name for r in reports.technicians(services.uow(), L1).rows]
    assert team == ["Ana Torres", "Marta Ruiz"]


def test_satisfaction(services, month):
    s = reports.satisfaction(services.uow(), NOVEMBER)
    assert (s.answers, s.rated, s.mean_rating) == (3, 3, 3.67)
    assert s.distribution == {1: 0, 2: 1, 3: 0, 4: 1, 5: 1}
    assert (s.satisfied, s.satisfied_pct, s.comments) == (2, 66.7, 1)
    team = reports.satisfaction(services.uow(), L1)
    assert (team.answers, team.mean_rating, team.satisfied_pct) == (2, 4.5, 100.0)


def test_deflection_and_reopen_rate(services, month):
    d = reports.deflection(services.uow(), NOVEMBER)
    assert (d.deflected, d.tickets_opened, d.rate_pct) == (3, 5, 37.5)
    assert d.articles == [Count("vpn-setup", 2), Count("password-reset", 1)]
    r = reports.reopens(services.uow(), NOVEMBER)
    assert (r.resolved, r.reopened, r.rate_pct) == (3, 1, 33.3)


def test_frequent_problems(services, month):
    f = reports.frequent(services.uow(), NOVEMBER, top=20)
    assert f.categories[0] == Count("software", 2)
    assert f.words[0] == Count("impresora", 2)  # "La impresora..." and "Impresora sin driver"
    words = {c.label for c in f.words}
    assert {"vpn", "excel", "laptop"} <= words
    assert not words & {"la", "no", "sin", "en", "on", "my", "nada"}
    assert f.articles[0] == Count("vpn-setup", 2)


def test_summary_bundles_the_reports(services, month):
    s = reports.summary(services.uow(), NOVEMBER, now=NOW)
    assert s.volume.opened == 5 and s.sla.total.resolution_pct == 50.0
    data = reports.to_dict(s)
    assert data["period"]["since"] == "2026-11-01T00:00:00+00:00"
    assert data["satisfaction"]["distribution"]["5"] == 1


def test_a_backwards_period_is_refused(services):
    with pytest.raises(InvalidInput):
        reports.volume(services.uow(), Period(UNTIL, SINCE))
