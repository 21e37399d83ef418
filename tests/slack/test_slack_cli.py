"""``deskbot run`` without credentials, and ``deskbot ticket show --json`` after a Slack survey."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.app import MissingCredentials, create_app
from bot.cli import main
from tests.slack.conftest import Harness


@pytest.fixture
def no_slack_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DESKBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")


def test_run_without_credentials_says_what_is_missing_and_exits_2(
        no_slack_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "SLACK_BOT_TOKEN" in err and "SLACK_SIGNING_SECRET" in err
    assert "manifest.yml" in err and "Connecting Slack" in err


def test_run_against_an_unreachable_slack_api_says_so_in_one_line_and_exits_2(
        no_slack_env: None, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    monkeypatch.setenv("DESKBOT_SLACK_API_URL", "http://127.0.0.1:9/api/")  # nothing listens
    assert main(["run", "--port", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err
    assert err.startswith("deskbot run: cannot reach the Slack API at http://127.0.0.1:9/api/")
    assert "DESKBOT_SLACK_API_URL" in err


def test_run_or_console_falls_back_to_the_console(
        no_slack_env: None, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    seen = {}

    def fake_console(services, stdin, stdout):  # type: ignore[no-untyped-def]
        seen["console"] = services.settings.slack_bot_token
        return 0

    import bot.console

    monkeypatch.setattr(bot.console, "run_console", fake_console)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["run", "--or-console"]) == 0
    assert seen == {"console": None}
    assert "starting the console" in capsys.readouterr().err


def test_socket_mode_needs_no_signing_secret_http_does(slack: Harness) -> None:
    from bot.slack.client import make_client

    client = make_client("xoxb-test", slack.api.url)
    assert create_app(slack.services, client=client, socket_mode=True) is not None
    with pytest.raises(MissingCredentials, match="SLACK_SIGNING_SECRET"):
        create_app(slack.services, client=client)


def test_ticket_show_json_has_status_assignee_and_survey(
        slack: Harness, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from actions import closure, work

    ticket = slack.open_ticket(slack.cast.carlos, "no enciende la laptop")
    work.claim(slack.services.uow(), key=ticket.key, actor_id=slack.cast.ana.id)
    work.resolve(slack.services.uow(), key=ticket.key, actor_id=slack.cast.ana.id,
                 summary="cambio de cargador")
    closure.confirm(slack.services.uow(), key=ticket.key, actor_id=slack.cast.carlos.id)
    closure.answer_survey(slack.services.uow(), slack.services.settings, key=ticket.key,
                          actor_id=slack.cast.carlos.id, rating=4, comment="bien")
    monkeypatch.setenv("DESKBOT_DATABASE_URL", str(slack.services.engine.url))
    assert main(["ticket", "show", ticket.key, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == "closed"
    assert data["assignee"]["name"] == "Ana Torres"
    assert [(a["rating"], a["comment"]) for a in data["survey"]] == [(4, "bien")]
