"""`deskbot sla show|sweep` and the time left in `deskbot ticket show`, as an admin types them."""

from __future__ import annotations

import json

import pytest

from actions.intake import NewTicket, open_ticket
from actions.people import NewPerson, add_person
from actions.services import build_services
from bot.cli import main
from tests.sla.conftest import later


@pytest.fixture
def desk(tmp_path, monkeypatch, settings, clock):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DESKBOT_DATABASE_URL", url)
    services = build_services(settings, migrate=True, database_url=url)
    carlos = add_person(services.uow(), NewPerson(name="Carlos", timezone="America/Mexico_City"))
    view = open_ticket(services.uow(), settings, NewTicket(
        requester_id=carlos.id, description="No arranca el portátil", category="hardware",
        impact="high", urgency="medium"))  # P2: 60 min / 480 min
    services.close()
    return view.key


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_sla_show_in_the_requesters_time_zone_and_utc(desk, capsys, clock):
    clock.move_to(later(20))
    code, out, _ = run(capsys, "sla", "show", desk)
    assert code == 0 and "primera respuesta" in out and "quedan 40m" in out  # the desk's: es
    assert "left" not in out and "due" not in out
    code, out, _ = run(capsys, "sla", "show", desk, "--lang", "en")
    assert code == 0
    assert "first response" in out and "40m left" in out
    assert "2026-03-02 10:00 CST (2026-03-02 16:00 UTC)" in out  # due 16:00 UTC = 10:00 CST
    assert "BREACHED" not in out
    code, out, _ = run(capsys, "ticket", "show", desk, "--lang", "en")
    assert "sla first response" in out and "40m left" in out


def test_sweep_then_show_reports_the_breach(desk, capsys, clock):
    clock.move_to(later(61))
    code, out, _ = run(capsys, "sla", "sweep", "--lang", "en")
    assert code == 0 and "SLA breaches" in out and f"{desk} response" in out
    assert "escalated" in out
    code, out, _ = run(capsys, "sla", "show", desk, "--json")
    data = json.loads(out)
    assert data["response"]["breached"] is True and data["response"]["minutes_left"] == -1.0
    assert data["resolution"]["breached"] is False and data["timezone"] == "America/Mexico_City"
    code, out, _ = run(capsys, "sla", "sweep")
    assert "nada pendiente" in out  # the desk's language: es


def test_unknown_ticket_is_a_clear_message(desk, capsys):
    code, _, err = run(capsys, "sla", "show", "INC-404")
    assert code == 1 and "INC-404" in err
