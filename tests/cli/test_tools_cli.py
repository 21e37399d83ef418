"""The technician tools' command-line forms: people sync from the workspace, ticket search,
article drafts published into the knowledge base (and found by the matcher right away)."""

from __future__ import annotations

import json
import shutil

import pytest

from actions import work
from actions.commands import run_command
from actions.intake import NewTicket, open_ticket
from actions.services import build_services
from bot.cli import main
from bot.slack.client import make_client
from bot.slack.directory import directory
from tests.conftest import ROOT
from tests.slack.stand_in import SlackStandIn, slack_user
from tests.store.helpers import row_counts


@pytest.fixture
def db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DESKBOT_DATABASE_URL", url)
    for name in ("SLACK_BOT_TOKEN", "DESKBOT_SLACK_API_URL"):
        monkeypatch.delenv(name, raising=False)
    return url


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _directory() -> dict[str, dict]:
    users = {
        "UANA": slack_user("UANA", "Ana Torres Gil", email="ana@example.com",
                           tz="Europe/Madrid", locale="es-ES"),
        "UNORA": slack_user("UNORA", "Nora Vidal", email="nora@example.com", tz="Europe/Madrid",
                            locale="es-ES"),
        "UJOE": slack_user("UJOE", "Joe Smith", email="joe@example.com"),
        "UGONE": {**slack_user("UGONE", "Gone Person", email="gone@example.com"),
                  "deleted": True},
        "UCIBOT": {**slack_user("UCIBOT", "CI bot"), "is_bot": True},
        "USLACKBOT": {**slack_user("USLACKBOT", "Slackbot"), "is_bot": False},
    }
    return users


def test_people_sync_dry_run_then_apply(db, capsys, monkeypatch):
    api = SlackStandIn(_directory()).start()
    try:
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
        monkeypatch.setenv("DESKBOT_SLACK_API_URL", api.url)
        run(capsys, "db", "upgrade")
        run(capsys, "people", "add", "--name", "Ana Torres", "--slack-id", "UANA", "--role",
            "lead", "--team", "L1", "--email", "ana@example.com")
        services = build_services(database_url=db)
        before = row_counts(services)
        # Slack is rate limiting the first calls: the sync waits and carries on.
        api.fail("users.list", status=429, retry_after=0, times=2)
        code, out, _ = run(capsys, "people", "sync", "--dry-run")
        assert code == 0, out
        assert row_counts(services) == before
        assert "would add" in out and "UNORA" in out and "UJOE" in out
        assert "name: Ana Torres -> Ana Torres Gil, timezone: America/Mexico_City -> " \
            "Europe/Madrid" in out
        assert "2 added, 1 updated, 0 unchanged, 1 deactivated and 2 bots skipped" in out
        code, out, _ = run(capsys, "people", "sync")
        assert code == 0 and "\nadded       " in out and "would" not in out
        code, out, _ = run(capsys, "people", "list", "--json")
        people = {p["slack_id"]: p for p in json.loads(out)}
        assert people["UANA"]["role"] == "lead" and people["UANA"]["team"] == "L1"
        assert people["UANA"]["timezone"] == "Europe/Madrid"
        assert people["UNORA"]["role"] == "requester" and people["UNORA"]["language"] == "es"
        assert "UGONE" not in people and "UCIBOT" not in people and "USLACKBOT" not in people
        code, out, _ = run(capsys, "people", "sync")
        assert "0 added, 0 updated, 3 unchanged" in out
        services.close()
    finally:
        api.stop()


def test_directory_reads_every_page():
    users = {f"U{n:03d}": slack_user(f"U{n:03d}", f"Person {n}") for n in range(7)}
    api = SlackStandIn(users).start()
    try:
        entries = list(directory(make_client("xoxb-test", api.url), default_language="es",
                                 page_size=3))
        assert [e.address for e in entries] == sorted(users)
        assert len(api.calls_to("users.list")) == 3
    finally:
        api.stop()


def test_people_sync_needs_a_token(db, capsys):
    code, _, err = run(capsys, "people", "sync")
    assert code == 2 and "SLACK_BOT_TOKEN" in err


def test_ticket_list_by_text_and_requester(db, capsys):
    run(capsys, "db", "upgrade")
    run(capsys, "seed")
    services = build_services(database_url=db)
    with services.uow() as uow:
        carlos = uow.people.find("Carlos Gómez").id
        emma = uow.people.find("Emma Brown").id
    for person, text, category in ((carlos, "La VPN no conecta desde casa", "network"),
                                   (emma, "VPN token expired", "network"),
                                   (carlos, "Impresora atascada", "hardware")):
        open_ticket(services.uow(), services.settings, NewTicket(
            requester_id=person, description=text, category=category))
    code, out, _ = run(capsys, "ticket", "list", "--text", "vpn conecta")
    assert code == 0 and out.splitlines()[1].startswith("INC-1")
    code, out, _ = run(capsys, "ticket", "list", "--requester", "carlos", "--text", "vpn")
    assert "INC-1" in out and "INC-2" not in out and "INC-3" not in out
    code, out, _ = run(capsys, "ticket", "list", "--requester", "carlos")
    assert "INC-1" in out and "INC-3" in out and "INC-2" not in out
    code, out, _ = run(capsys, "ticket", "list", "--text", "teleportacion cuantica")
    assert code == 0 and "ningún ticket coincide" in out  # the desk speaks Spanish by default
    services.close()


def test_kb_draft_is_published_and_found(db, capsys, tmp_path, monkeypatch):
    kb = tmp_path / "kb" / "articles"
    shutil.copytree(ROOT / "kb" / "articles", kb)
    config = tmp_path / "config.yml"
    config.write_text((ROOT / "config.yml").read_text().replace(
        "articles_dir: kb/articles", f"articles_dir: {kb}"))
    monkeypatch.setenv("DESKBOT_CONFIG", str(config))
    run(capsys, "db", "upgrade")
    run(capsys, "seed")
    services = build_services(database_url=db)
    with services.uow() as uow:
        carlos, ana = uow.people.find("Carlos Gómez").id, uow.people.find("Ana Torres").id
    question = "la impresora del tercer piso imprime rayas negras"
    title = "La impresora del tercer piso imprime rayas negras"
    assert all(m.article.title != title for m in services.matcher.search(question))
    key = open_ticket(services.uow(), services.settings, NewTicket(
        requester_id=carlos, description="La impresora del tercer piso imprime rayas negras",
        category="hardware")).key
    work.comment(services.uow(), key=key, actor_id=ana, text="¿Las rayas salen en todas las hojas?")
    work.note(services.uow(), key=key, actor_id=ana, text="NOTA-INTERNA no publicar")
    work.resolve(services.uow(), key=key, actor_id=ana,
                 summary="Limpia el tambor: abre la tapa y pasa un paño seco por el rodillo")
    answer = run_command(services, services.plain, actor_id=ana, text=f"kb {key}", lang="es")
    assert answer.ok, answer.text
    code, out, _ = run(capsys, "--config", str(config), "kb", "drafts")
    assert code == 0 and key in out
    code, out, _ = run(capsys, "--config", str(config), "kb", "drafts", "--show", "1")
    assert "NOTA-INTERNA" not in out and "Limpia el tambor" in out and "rayas" in out
    code, out, _ = run(capsys, "--config", str(config), "kb", "publish", "1")
    assert code == 0 and "borrador #1 publicado" in out
    code, out, _ = run(capsys, "--config", str(config), "kb", "check")
    assert code == 0
    # The running desk's matcher sees the new article from the next question on.
    found = services.matcher.search(question)
    assert found and found[0].article.title == title
    code, _, err = run(capsys, "--config", str(config), "kb", "publish", "1")
    assert code == 1 and "ya está publicado" in err
    code, _, err = run(capsys, "--config", str(config), "kb", "publish", "99")
    assert code == 1 and "No existe el borrador #99" in err
    services.close()


def test_kb_check_reports_bad_saved_replies_by_file_and_line(capsys, tmp_path):
    articles, replies = tmp_path / "articles", tmp_path / "replies"
    articles.mkdir()
    replies.mkdir()
    (articles / "a.md").write_text("---\nid: a\ntitle: A\nlanguage: es\ncategory: other\n"
                                   "tags: [a]\nquestions: [a]\n---\nCuerpo\n", encoding="utf-8")
    (replies / "ok.md").write_text("---\nid: ok\ntitle: Bien\nlanguage: es\n---\n"
                                   "Hola {{ requester }}, sobre {{ key }}.\n", encoding="utf-8")
    (replies / "bad.md").write_text("---\nid: Bad Id\ntitle: Mal\nlanguage: fr\nteam: L9\n---\n"
                                    "Hola\n{{ password }}\n", encoding="utf-8")
    code, out, err = run(capsys, "kb", "check", "--kb", str(articles), "--replies", str(replies))
    assert code == 1
    assert "bad.md:2: bad id 'Bad Id'" in out and "bad.md:4: unknown language 'fr'" in out
    assert "bad.md:5: unknown team 'L9'" in out
    assert "bad.md:8: unknown placeholder '{{ password }}'" in out
    assert "ok.md" not in out
    (replies / "bad.md").unlink()
    code, out, _ = run(capsys, "kb", "check", "--kb", str(articles), "--replies", str(replies))
    assert code == 0 and "1 respuesta guardada" in out
