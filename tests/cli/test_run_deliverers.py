"""`deskbot run` hands the outbox worker every channel it can reach."""

from slack_sdk import WebClient

from bot.cli.run import process_deliverers


def test_run_delivers_to_slack_and_email(sqlite_services, monkeypatch):
    monkeypatch.setenv("DESKBOT_SMTP_HOST", "127.0.0.1")
    found = process_deliverers(sqlite_services, WebClient(token="xoxb-test"))
    assert set(found) == {"slack", "email"}


def test_email_can_be_turned_off(sqlite_services, monkeypatch):
    monkeypatch.setenv("DESKBOT_SMTP_HOST", "off")
    found = process_deliverers(sqlite_services, WebClient(token="xoxb-test"))
    assert set(found) == {"slack"}
