"""Requests as Slack sends them, over HTTP: signatures, url_verification, garbage, commands."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

from sqlalchemy import func, select

from store.models import Event, ProcessedEvent, Ticket
from tests.slack.conftest import Harness


def _count(slack: Harness, model: type) -> int:
    with slack.services.session_factory() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_url_verification_answers_the_challenge(slack: Harness) -> None:
    body = json.dumps({"token": "legacy", "challenge": "3eZbrw1aB", "type": "url_verification"})
    answer = slack.post(body, "application/json")
    assert answer.status == 200
    assert "3eZbrw1aB" in answer.body


def test_healthz(slack: Harness) -> None:
    with urllib.request.urlopen(f"{slack.url}/healthz", timeout=5) as answer:
        assert answer.status == 200
        assert json.loads(answer.read()) == {"ok": True}


def test_unknown_paths_and_wrong_methods_get_404_and_405(slack: Harness) -> None:
    def status(path: str, method: str = "GET") -> tuple[int, str]:
        request = urllib.request.Request(f"{slack.url}{path}", method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, answer.headers.get("Allow") or ""
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Allow") or ""

    assert status("/nowhere") == (404, "")
    assert status("/slack/events") == (405, "POST")
    assert status("/healthz", "POST") == (405, "GET, HEAD")
    assert status("/healthz") == (200, "")


def test_forged_and_stale_signatures_are_refused_and_nothing_is_written(slack: Harness) -> None:
    event = {"type": "event_callback", "event_id": "EvFORGED", "team_id": "T0DESK",
             "event": {"type": "message", "channel": "DUCARLOS", "channel_type": "im",
                       "user": "UCARLOS", "text": "mi laptop no enciende", "ts": "1.000001"}}
    body = json.dumps(event)
    forged = slack.post(body, "application/json", signature="v0=" + "0" * 64)
    stale = slack.post(body, "application/json", timestamp=int(time.time()) - 600)
    assert (forged.status, stale.status) == (401, 401)
    assert _count(slack, ProcessedEvent) == 0
    assert _count(slack, Ticket) == 0
    assert [c.method for c in slack.api.calls if c.method != "auth.test"] == []


def test_garbage_payloads_get_a_client_error_and_the_app_keeps_working(slack: Harness) -> None:
    for body, kind in [
        ("{not json", "application/json"),
        ("[1, 2, 3]", "application/json"),
        ("payload=%7Bbroken", "application/x-www-form-urlencoded"),
        ("payload=" + json.dumps({"type": "block_actions"}), "application/x-www-form-urlencoded"),
        (json.dumps({"type": "event_callback", "event_id": "EvX", "event": {}}),
         "application/json"),
    ]:
        answer = slack.post(body, kind)
        assert answer.status in (200, 400, 404), (body, answer)
    ok = slack.post(json.dumps({"type": "url_verification", "challenge": "still-here"}),
                    "application/json")
    assert ok.status == 200 and "still-here" in ok.body


def test_employee_using_a_technician_command_gets_a_polite_refusal(slack: Harness) -> None:
    ticket = slack.open_ticket(slack.cast.emma, "VPN drops every hour")
    before = _count(slack, Event)
    answer = slack.command("UCARLOS", f"claim {ticket.key}")
    assert answer.status == 200
    reply = slack.api.wait_calls("respond")[0].body
    assert reply["response_type"] == "ephemeral"
    assert "Solo el equipo de soporte puede tomar tickets" in reply["text"]
    assert _count(slack, Event) == before
    assert slack.ticket(ticket.key).assignee is None


def test_help_is_private_and_in_the_callers_language(slack: Harness) -> None:
    slack.command("UEMMA", "help")
    reply = slack.api.wait_calls("respond")[0].body
    assert reply["response_type"] == "ephemeral"
    assert "/ticket claim INC-12" in reply["text"]
