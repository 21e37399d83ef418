"""The dashboard's figures against the hand-computed month of ``tests/reports/month.py``, on
both databases, and the web's answers against ``deskbot report`` itself."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest

from actions import dashboard
from actions.reports import Count, Period
from bot.cli import main as cli
from tests.reports.month import NOW, SINCE, UNTIL, build_month

NOVEMBER = Period(SINCE, UNTIL)


@pytest.fixture
def month_any(services, settings, cast):  # type: ignore[no-untyped-def]
    return build_month(services, settings, cast)


def test_overview_counts_the_queue_as_it_stands(services, month_any):
    o = dashboard.overview(services.uow(), at=NOW)
    # Only inc3 (software, P4, from slack, nobody touched it) is still active on 1 December.
    assert (o.open_total, o.by_status, o.by_team, o.by_priority) == (
        1, [Count("open", 1)], [Count("L1", 1)], [Count("P4", 1)])
    assert (o.unassigned, [t["key"] for t in o.oldest_unassigned]) == (1, [month_any.keys["inc3"]])
    assert (o.breached, o.at_risk) == (1, 0)  # its first answer was due on 5 November, 18:00
    assert o.backlog_by_age == [Count("<1d", 0), Count("1-3d", 0), Count("3-10d", 0),
                                Count(">10d", 1)]
    assert o.today_by_channel == []


def test_overview_warns_before_the_breach(services, month_any):
    o = dashboard.overview(services.uow(), at=datetime(2026, 11, 5, 16, 30, tzinfo=UTC))
    assert (o.breached, o.at_risk) == (0, 1)  # due at 18:00: within two hours
    assert o.today_by_channel == [Count("slack", 1)]
    assert o.backlog_by_age[0] == Count("<1d", 1)
    assert dashboard.overview(services.uow(), team="L2", at=NOW).open_total == 0


def test_trends_measure_first_contact_per_day_and_comments(services, month_any):
    t = dashboard.trends(services.uow, NOVEMBER, at=NOW)
    # resolved in November: inc1 and req1 at the first contact; inc2 waited and was reopened
    assert t.first_contact == {"resolved": 3, "first_contact": 2, "rate_pct": 66.7}
    assert t.per_day_channel == [("2026-11-02", "slack", 1), ("2026-11-03", "email", 1),
                                 ("2026-11-05", "slack", 1), ("2026-11-10", "console", 1),
                                 ("2026-11-20", "console", 1)]
    assert [c["comment"] for c in t.comments] == ["Muy rápido"]
    assert t.deflection_articles == [Count("vpn-setup", 2), Count("password-reset", 1)]
    # October had the "old" ticket only: opened 1, resolved 1
    assert (t.previous.volume.opened, t.previous.volume.resolved) == (1, 1)
    assert t.current.volume.opened == 5


def test_each_technician_beside_their_team(services, month_any):
    rows = {r.name: r for r in dashboard.technicians(services.uow(), NOVEMBER)}
    ana, luis = rows["Ana Torres"], rows["Luis Pérez"]
    # Ana: inc1 (answered after 1 h, resolved after 3 h, rated 5), req1 (20 min, rated 4)
    assert (ana.claimed, ana.resolved) == (1, 2)
    assert ana.first_response_seconds == pytest.approx(2400)
    assert ana.resolution_seconds == pytest.approx(6000)
    assert (ana.sla_met_pct, ana.rating_mean, ana.reopen_pct) == (100.0, 4.5, 0.0)
    assert ana.team_figures["resolution_seconds"] == pytest.approx(6000)  # L1 is Ana alone
    # Luis: inc2, 30 min to answer, 8 h minus 2 h waiting, late, reopened once, rated 2
    assert luis.resolution_seconds == pytest.approx(21600)
    assert (luis.sla_met_pct, luis.rating_mean, luis.reopen_pct) == (0.0, 2.0, 100.0)
    assert rows["Sam Lee"].resolved == 0 and rows["Sam Lee"].sla_met_pct is None


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_web_and_the_command_line_give_the_same_summary(web, month, monkeypatch, capsys,
                                                             sqlite_services):
    monkeypatch.setenv("DESKBOT_DATABASE_URL", str(sqlite_services.engine.url))
    assert cli(["report", "summary", "--json", "--since", "2026-11-01",
                "--until", "2026-11-30"]) == 0
    printed = json.loads(capsys.readouterr().out)
    c = web.client()
    c.sign_in(web.services, "Marta Ruiz")
    answer = c.get("/api/summary?since=2026-11-01&until=2026-11-30")
    assert answer.status == 200 and answer.headers["content-type"] == "application/json"
    assert json.loads(answer.body) == printed
    assert printed["volume"]["opened"] == 5
    assert c.get("/api/summary?since=2026-12-01&until=2026-11-01").status == 400


def test_csv_downloads_are_the_figures_on_the_page(web, month):
    c = web.client()
    c.sign_in(web.services, "Marta Ruiz")
    query = "?since=2026-11-01&until=2026-11-30"
    headline = {r["figure"]: r for r in _csv(c.get(f"/csv/trends/headline.csv{query}").body)}
    assert (headline["opened"]["value"], headline["opened"]["previous"]) == ("5", "1")
    assert headline["first_contact_pct"]["value"] == "66.7"
    page = c.get(f"/trends{query}&lang=en").body
    assert 'data-figure="first_contact_pct"' in page and "66.7 %" in page
    techs = {r["name"]: r for r in _csv(c.get(f"/csv/technicians/technicians.csv{query}").body)}
    assert techs["Ana Torres"]["rating_mean"] == "4.5"
    assert techs["Ana Torres"]["team_resolution_seconds"] == "6000.0"
    assert c.get("/csv/trends/nothing.csv").status == 404
    assert c.get("/csv/elsewhere/status.csv").status == 404
