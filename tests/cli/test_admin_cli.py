"""The admin command line: schema, people and tickets, as an operator would type them."""

from __future__ import annotations

import json

import pytest

from actions import work
from actions.intake import NewTicket, open_ticket
from actions.services import build_services
from bot.cli import main


@pytest.fixture
def db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DESKBOT_DATABASE_URL", url)
    return url


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_help_lists_the_command_groups(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for group in ("db", "people", "ticket", "seed"):
        assert group in out


def test_upgrade_seed_and_people(db, capsys):
    code, out, _ = run(capsys, "db", "upgrade")
    assert code == 0 and "equipos: L1, L2, L3" in out  # the desk's language: es
    code, out, _ = run(capsys, "db", "check")
    assert code == 0 and "coincide con los modelos" in out
    code, out, _ = run(capsys, "db", "check", "--lang", "en")
    assert code == 0 and "matches the models" in out
    code, out, _ = run(capsys, "seed")
    assert code == 0 and "7 dadas de alta" in out
    code, out, _ = run(capsys, "seed", "--lang", "en")
    assert "0 added, 7 already there" in out
    code, out, _ = run(capsys, "people", "add", "--name", "Rosa Díaz", "--slack-id", "UROSA",
                       "--role", "technician", "--team", "L2", "--language", "es")
    assert code == 0 and "Rosa Díaz (técnico, L2)" in out  # the desk's language: es
    code, out, _ = run(capsys, "people", "list", "--role", "technician", "--json")
    assert {p["name"] for p in json.loads(out)} == {"Ana Torres", "Luis Pérez", "Sam Lee",
                                                    "Rosa Díaz"}


def test_people_add_refuses_bad_input_clearly(db, capsys):
    run(capsys, "db", "upgrade")
    code, _, err = run(capsys, "people", "add", "--name", "Tech", "--role", "technician",
                       "--lang", "en")
    assert code == 1 and "needs a team" in err and "L1, L2, L3" in err
    run(capsys, "people", "add", "--name", "Pepe")
    code, _, err = run(capsys, "people", "set", "Pepe", "--role", "technician")
    assert code == 1 and "El rol técnico necesita un equipo" in err  # like add, in es
    code, out, _ = run(capsys, "people", "set", "Pepe", "--role", "technician", "--team", "L1")
    assert code == 0 and "Pepe (técnico, L1)" in out
    code, _, err = run(capsys, "people", "add", "--name", "X", "--team", "L9",
                       "--role", "technician", "--lang", "en")
    assert code == 1 and 'There is no team "L9". The teams are: L1, L2, L3.' in err
    run(capsys, "people", "add", "--name", "A", "--email", "a@example.com")
    code, _, err = run(capsys, "people", "add", "--name", "B", "--email", "A@example.com",
                       "--lang", "en")
    assert code == 1 and "already exists" in err


def test_ticket_show_list_history(db, capsys, settings):
    run(capsys, "seed")
    services = build_services(settings, database_url=db)
    with services.uow() as uow:
        carlos, ana = uow.people.find("Carlos Gómez").id, uow.people.find("Ana Torres").id
    key = open_ticket(services.uow(), settings, NewTicket(
        requester_id=carlos, description="La impresora no imprime", category="hardware")).key
    work.claim(services.uow(), key=key, actor_id=ana)
    work.note(services.uow(), key=key, actor_id=ana, text="Revisar el fusor")
    services.close()

    code, out, _ = run(capsys, "ticket", "show", key.lower(), "--json")
    data = json.loads(out)
    assert code == 0 and data["key"] == "INC-1" and data["status"] == "in_progress"
    assert data["assignee"]["name"] == "Ana Torres" and data["team"] == "L1"
    code, out, _ = run(capsys, "ticket", "show", key)
    assert "estado        EN CURSO" in out and "Ana Torres" in out
    assert "(in_progress)" not in out and "categoría Hardware" in out
    code, out, _ = run(capsys, "ticket", "show", key, "--lang", "en")
    assert "status        IN PROGRESS" in out and "EN CURSO" not in out
    assert "team L1 · Level 1 support" in out
    code, out, _ = run(capsys, "ticket", "list", "--status", "in_progress")
    assert "INC-1" in out and "Ana Torres" in out and "EN CURSO" in out and "ESTADO" in out
    code, out, _ = run(capsys, "ticket", "list", "--status", "closed", "--lang", "en")
    assert "no tickets match" in out
    code, out, _ = run(capsys, "ticket", "history", key)
    assert "noted" in out and "[interno]" in out and "Revisar el fusor" in out
    code, out, _ = run(capsys, "ticket", "history", key, "--lang", "en")
    assert "[internal]" in out and "[interno]" not in out
    code, _, err = run(capsys, "ticket", "show", "INC-77")
    assert code == 1 and "No encuentro el ticket *INC-77*" in err
    code, _, err = run(capsys, "ticket", "show", "INC-77", "--lang", "en")
    assert code == 1 and "can't find ticket *INC-77*" in err


def test_inbox_lists_and_requeues_a_failed_request_in_the_admins_language(db, capsys,
                                                                          settings):
    from actions import inbox
    from actions.inbox import Job, RetryPolicy

    run(capsys, "db", "upgrade")
    code, out, _ = run(capsys, "inbox", "list", "--failed")
    assert code == 0 and out.strip() == "ninguna petición fallida"  # the desk's language: es
    code, out, _ = run(capsys, "inbox", "list", "--failed", "--lang", "en")
    assert code == 0 and out.strip() == "no requests failed"
    services = build_services(settings, database_url=db)
    once = RetryPolicy(base_seconds=1, cap_seconds=1, max_attempts=1, lease_seconds=15)
    inbox.receive(services, key="slack:Ev1", channel="slack", kind="event", body="{}",
                  headers={})
    [row] = inbox.take(services, owner="a", policy=once)
    assert inbox.finish(services, Job(row=row, policy=once), ConnectionError("away")) == "failed"
    services.close()

    code, out, _ = run(capsys, "inbox", "list", "--failed")
    assert code == 0 and "ESTADO" in out and "INTENTOS" in out and "slack:Ev1" in out
    code, _, err = run(capsys, "inbox", "retry", "99")
    assert code == 1 and "la petición 99 no existe" in err
    code, out, _ = run(capsys, "inbox", "retry", str(row.id), "--lang", "en")
    assert code == 0 and out.strip() == f"request {row.id} queued again"
    code, out, _ = run(capsys, "inbox", "stats")
    assert "en espera: 1" in out and "FILAS" in out


def test_people_addresses_on_any_channel(db, capsys):
    run(capsys, "db", "upgrade")
    code, _, _ = run(capsys, "people", "add", "--name", "Rosa Díaz", "--email", "rosa@example.com",
                     "--address", "teams=29:1abc")
    assert code == 0
    code, out, _ = run(capsys, "people", "set", "29:1abc", "--slack-id", "UROSA", "--email", "")
    assert code == 0 and "Rosa Díaz" in out  # found by her Teams address
    code, out, _ = run(capsys, "people", "list", "--json")
    (rosa,) = json.loads(out)
    assert (rosa["slack_id"], rosa["email"]) == ("UROSA", None)  # the keys scripts read
    assert rosa["addresses"] == {"slack": "UROSA", "teams": "29:1abc"}
    run(capsys, "people", "add", "--name", "Otro", "--slack-id", "UOTRO")
    code, _, err = run(capsys, "people", "set", "Otro", "--slack-id", "UROSA", "--vip", "yes",
                       "--lang", "en")
    assert code == 1 and 'Someone with "UROSA" already exists' in err
    code, out, _ = run(capsys, "people", "list")
    assert "UOTRO" in out and "vip" not in out  # refused whole: no half-done change
    with pytest.raises(SystemExit):
        main(["people", "set", "Otro", "--address", "teams"])  # argparse: CHANNEL=ADDRESS
    assert "CHANNEL=ADDRESS" in capsys.readouterr().err
