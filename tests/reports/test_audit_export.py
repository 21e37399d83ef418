"""The ISO 27001 export through the command line, on both databases: every event (internal ones
marked), the SEC- record, and the record completed with ``deskbot audit security``."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest
import time_machine

from actions import work
from actions.audit import iter_audit
from actions.intake import NewTicket, open_ticket
from bot.cli import main


@pytest.fixture
def desk(services, settings, cast, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DESKBOT_DATABASE_URL",
                       services.engine.url.render_as_string(hide_password=False))
    with time_machine.travel(datetime(2026, 11, 25, 15, 0, tzinfo=UTC), tick=False):
        sec = open_ticket(services.uow(), settings, NewTicket(
            requester_id=cast.carlos.id, kind="security",
            description="Encontré un USB sin etiqueta conectado al servidor de nóminas")).key
        inc = open_ticket(services.uow(), settings, NewTicket(
            requester_id=cast.emma.id, description="Outlook asks for my password again")).key
    with time_machine.travel(datetime(2026, 11, 25, 15, 30, tzinfo=UTC), tick=False):
        work.claim(services.uow(), key=sec, actor_id=cast.luis.id)
        work.note(services.uow(), key=sec, actor_id=cast.luis.id,
                  text="USB retirado y guardado; revisar registros del servidor")
        work.comment(services.uow(), key=sec, actor_id=cast.luis.id,
                     text="Gracias por avisar, ya lo retiramos")
    return services, cast, sec, inc


def run(capsys, *argv: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_security_record_completed_from_the_command_line_and_exported(desk, capsys, tmp_path):
    services, cast, sec, inc = desk
    code, out, err = run(
        capsys, "audit", "security", sec.lower(), "--as", "luis@example.com",
        "--set", "discovered_where=Sala de servidores, planta 2",
        "--set", "discovered_at=2026-11-25 14:05",            # no zone: UTC
        "--set", "discoverer_action=reported",
        "--set", "severity=high",
        "--set", "owner_learned_at=2026-11-25T09:40:00-06:00",  # zoned: converted to UTC
        "--set", "owner_action=Aisló el servidor y cambió las credenciales",
        "--set", "followup_by=Marta Ruiz", "--set", "followup_at=2026-11-27T10:00Z")
    assert code == 0, err
    assert "severity           high" in out

    target = tmp_path / "audit.json"
    code, _, err = run(capsys, "audit", "export", "--out", str(target))
    assert code == 0 and "2 tickets exportados" in err
    export = json.loads(target.read_text("utf-8"))
    assert "discovered_where" in export["export"]["security_questions"]
    tickets = {t["key"]: t for t in export["tickets"]}
    assert set(tickets) == {sec, inc}
    record = tickets[sec]["security"]
    assert record == {
        "discovered_where": "Sala de servidores, planta 2",
        "discovered_by": "Carlos Gómez",  # the requester, filled in at intake
        "discovered_at": "2026-11-25T14:05:00+00:00",
        "discoverer_action": "reported",
        "reported_to": "L2",
        "report_written_at": "2026-11-25T15:00:00+00:00",
        "severity": "high",
        "owner_learned_at": "2026-11-25T15:40:00+00:00",
        "owner_action": "Aisló el servidor y cambió las credenciales",
        "followup_by": "Marta Ruiz",
        "followup_at": "2026-11-27T10:00:00+00:00",
    }
    events = tickets[sec]["events"]
    assert [e["type"] for e in events] == ["created", "routed", "claimed", "noted", "commented",
                                           "security_record"]
    note = events[3]
    assert note["internal"] is True and note["visibility"] == "internal"
    assert note["actor"] == "Luis Pérez" and "USB retirado" in note["payload"]["text"]
    assert events[4]["internal"] is False
    assert events[5]["internal"] is True and events[5]["payload"]["severity"] == "high"
    assert tickets[inc]["security"] is None


def test_csv_export_has_a_row_per_event_with_the_record(desk, capsys):
    services, cast, sec, inc = desk
    run(capsys, "audit", "security", sec, "--as", "Luis Pérez", "--set", "severity=critical")
    code, out, err = run(capsys, "audit", "export", "--format", "csv", "--kind", "security")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["key"] for r in rows} == {sec}
    assert len(rows) == 6
    note = next(r for r in rows if r["event_type"] == "noted")
    assert note["event_internal"] == "yes" and "USB retirado" in note["event_details"]
    assert all(r["sec_severity"] == "critical" for r in rows)
    assert all(r["sec_discovered_by"] == "Carlos Gómez" for r in rows)


def test_export_period_and_batches(desk):
    services, cast, sec, inc = desk
    everything = list(iter_audit(services.uow(), batch=1))  # one ticket per transaction
    assert [t.key for t in everything] == [sec, inc]
    later = list(iter_audit(services.uow(), since=datetime(2026, 11, 26, tzinfo=UTC)))
    assert later == []


def test_bad_security_input_changes_nothing(desk, capsys):
    services, cast, sec, inc = desk
    code, _, err = run(capsys, "audit", "security", sec, "--as", "Luis Pérez",
                       "--set", "severity=apocalyptic")
    assert code == 1 and "apocalyptic" in err
    code, _, err = run(capsys, "audit", "security", sec, "--as", "Luis Pérez",
                       "--set", "discovered_at=yesterday")
    assert code == 2 and "ISO 8601" in err
    code, _, err = run(capsys, "audit", "security", inc, "--as", "Luis Pérez",
                       "--set", "severity=low")
    assert code == 1 and inc in err  # not a SEC- ticket
    code, _, err = run(capsys, "audit", "security", sec, "--set", "severity=low")
    assert code == 0  # the only admin records it
    [ticket] = list(iter_audit(services.uow(), kind="security"))
    assert ticket.extra["security"]["severity"] == "low"
    assert ticket.history[-1].actor == "Admin"
    assert sum(e.type == "security_record" for e in ticket.history) == 1
