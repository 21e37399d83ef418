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
    assert run(capsys, "kb", "learned")[1].strip() == "todavía no se ha aprendido nada"
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
    assert code == 0 and f"frase aprendida {row['id']} olvidada" in out
    code, out, err = run(capsys, "kb", "forget", str(row["id"]))
    assert code == 1 and "No hay ninguna frase aprendida con el número" in err  # desk: es
    assert main(["kb", "learned", "--lang", "en"]) == 0
    assert "nothing learned yet" in capsys.readouterr().out


def test_kb_gaps_reads_what_was_shown_and_prints_in_the_desks_language(db, capsys):
    from actions.faq_shown import shown

    services = build_services(database_url=db, migrate=True)
    try:
        from actions.people import NewPerson, add_person

        carlos = add_person(services.uow(), NewPerson(name="Carlos Gómez", language="es"))
        # Opened by the conversation after the VPN article was shown: kept on the ticket.
        vpn = services.matcher.search("la vpn no conecta desde casa")[:1]
        open_ticket(services.uow(), services.settings, NewTicket(
            requester_id=carlos.id, description="la vpn no conecta desde casa",
            faq_shown=shown("la vpn no conecta desde casa", vpn, 40.0)))
        # Opened before the record existed: judged by re-running the matcher.
        open_ticket(services.uow(), services.settings, NewTicket(
            requester_id=carlos.id, description="otra vez la vpn no conecta en casa"))
    finally:
        services.close()
    code, out, _ = run(capsys, "report", "kb-gaps", "--json")
    [gap] = json.loads(out)
    assert (gap["kind"], gap["article_id"], gap["from_shown"], gap["rerun"]) == (
        "not_helpful", "vpn-no-conecta", 1, 1)
    code, out, _ = run(capsys, "report", "kb-gaps")
    assert code == 0 and "Mejorar vpn-no-conecta (se sugirió y no sirvió): 2 tickets" in out
    assert "lo que mostró la FAQ en su momento (1)" in out and "sin registro" in out
    code, out, _ = run(capsys, "report", "kb-gaps", "--lang", "en")
    assert "Improve vpn-no-conecta (suggested, did not help): 2 tickets" in out
    assert "what the FAQ showed at the time (1)" in out and "no record of what was shown (1)" \
        in out
