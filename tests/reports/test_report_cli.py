"""``deskbot report`` as an admin runs it: tables, JSON and CSV from the same figures."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from bot.cli import main

NOVEMBER = ["--since", "2026-11-01", "--until", "2026-11-30"]  # a bare --until includes the 30th


@pytest.fixture
def cli(sqlite_services, settings, monkeypatch, capsys):  # type: ignore[no-untyped-def]
    from tests.conftest import add_cast
    from tests.reports.month import build_month

    build_month(sqlite_services, settings, add_cast(sqlite_services))
    monkeypatch.setenv("DESKBOT_DATABASE_URL", str(sqlite_services.engine.url))

    def run(*argv: str) -> str:
        code = main(["report", *argv])
        out, err = capsys.readouterr()
        assert code == 0, err
        return out

    return run


def test_json_for_scripts(cli):
    data = json.loads(cli("sla", *NOVEMBER, "--json"))
    assert data["period"]["until"] == "2026-12-01T00:00:00+00:00"
    assert data["total"]["first_response_pct"] == 50.0
    assert [r["priority"] for r in data["rows"]] == ["P1", "P3", "P4"]


def test_tables_for_people(cli):
    out = cli("technicians", *NOVEMBER, "--team", "L1", "--lang", "en")
    lines = out.splitlines()
    assert lines[1].split() == ["TECHNICIAN", "TEAM", "CLAIMED", "REPLIES", "NOTES", "RESOLVED",
                                "MEAN", "RES"]
    assert lines[2].split() == ["Ana", "Torres", "L1", "1", "1", "1", "2", "1h", "40m"]
    assert "Luis" not in out
    spanish = cli("technicians", *NOVEMBER, "--team", "L1").splitlines()  # the desk's language
    assert spanish[0].startswith("Actividad de técnicos:") and spanish[1].split()[0] == "TÉCNICO"
    volume = cli("volume", *NOVEMBER)
    assert "abiertos 5" in volume and "Red y VPN" in volume and "network" not in volume
    summary = cli("summary", *NOVEMBER)
    assert "Tickets: 5 abiertos, 3 concluidos, 2 cerrados, 1 cancelados" in summary
    assert "primera respuesta 50,0 %" in summary
    assert "media 36 min, mediana 30 min" in summary


def test_csv_for_spreadsheets(cli):
    rows = list(csv.reader(io.StringIO(cli("volume", *NOVEMBER, "--csv"))))
    assert rows[0] == ["group", "label", "count"]
    assert ["total", "opened", "5"] in rows and ["channel", "email", "1"] in rows
    summary = dict(csv.reader(io.StringIO(cli("summary", *NOVEMBER, "--csv"))))
    assert summary["satisfaction.satisfied_pct"] == "66.7"
    assert summary["deflection.rate_pct"] == "37.5"
    assert "volume.period.since" not in summary  # the period appears once


def test_unknown_team_is_a_clear_error(cli, capsys):
    assert main(["report", "--team", "L9"]) == 1
    assert "L9" in capsys.readouterr().err


def test_a_backwards_period_is_explained(cli, capsys):
    assert main(["report", "--since", "2026-12-01", "--until", "2026-11-01"]) == 2
    assert "debe ser anterior a --until" in capsys.readouterr().err


def test_satisfaction_shows_comments_and_low_score_alerts(cli):
    """What people wrote and the scores that alerted a lead (alert_below: 2 in config.yml),
    in the desk's language by default and in English on request."""
    out = cli("satisfaction", *NOVEMBER)
    assert "alertas 1" in out and "Comentarios y alertas:" in out
    assert re.search(r"^  INC-\d  2/5  ALERTA  Luis Pérez$", out, re.M)
    assert re.search(r"^  INC-\d  5/5  Ana Torres  «Muy rápido»$", out, re.M)
    english = cli("satisfaction", *NOVEMBER, "--lang", "en")
    assert "alerts 1" in english and "Comments and alerts:" in english and "ALERT" in english
    data = json.loads(cli("satisfaction", *NOVEMBER, "--json"))
    assert data["alerts"] == 1
    assert [(f["rating"], f["alert"], f["comment"]) for f in data["feedback"]] == [
        (2, True, None), (5, False, "Muy rápido")]
