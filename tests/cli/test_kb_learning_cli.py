"""``deskbot kb learned | kb forget`` and ``deskbot report kb-gaps`` as an admin types them."""

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


def _desk_with_a_resolved_ticket(db_url: str) -> None:
    services = build_services(database_url=db_url, migrate=True)
    try:
        from actions.people import NewPerson, add_person

        carlos = add_person(services.uow(), NewPerson(name="Carlos Gómez", language="es"))
        ana = add_person(services.uow(), NewPerson(name="Ana Torres", role="technician",
                                                   team="L1"))
        for text in ("la tablet del almacen no escanea los paquetes",
                     "la tablet del almacén no lee paquetes"):
            open_ticket(services.uow(), services.settings,
                        NewTicket(requester_id=carlos.id, description=text))
        key = open_ticket(services.uow(), services.settings, NewTicket(
            requester_id=carlos.id, description="mi escaner no manda los pdf al correo")).key
        work.resolve(services.uow(), key=key, actor_id=ana.id, summary="perfil",
                     article_id="escaner-a-correo")
    finally:
        services.close()


def test_learned_lists_forget_removes_and_gaps_group(db, capsys):
    assert run(capsys, "kb", "learned")[1].strip() == "nothing learned yet"
    _desk_with_a_resolved_ticket(db)
    code, out, _ = run(capsys, "kb", "learned", "--article", "escaner-a-correo", "--json")
    [row] = json.loads(out)
    assert (row["text"], row["source"], row["ticket_key"]) == (
        "mi escaner no manda los pdf al correo", "resolved", "INC-3")
    code, out, _ = run(capsys, "kb", "learned")
    assert code == 0 and "escaner-a-correo" in out and "INC-3" in out
    code, out, _ = run(capsys, "report", "kb-gaps", "--json")
    [gap] = json.loads(out)
    assert (gap["kind"], gap["tickets"]) == ("unanswered", ["INC-1", "INC-2"])
    code, out, err = run(capsys, "kb", "forget", str(row["id"]))
    assert code == 0 and f"forgot learned phrasing {row['id']}" in out
    code, out, err = run(capsys, "kb", "forget", str(row["id"]))
    assert code == 1 and "No hay ninguna frase aprendida con el número" in err  # desk: es
    assert main(["kb", "learned"]) == 0
    assert "nothing learned yet" in capsys.readouterr().out
