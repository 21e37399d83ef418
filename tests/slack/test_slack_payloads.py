"""Payload shapes Slack really sends that the happy-path tests do not: each was a bug once."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import pytest

from tests.slack.conftest import Harness, blocks_text


def _offer(slack: Harness, user: str, text: str) -> dict[str, Any]:
    slack.dm(user, text)
    channel = f"D{user}"

    def found() -> dict[str, Any] | None:
        return next((m for m in slack.api.messages.get(channel, [])
                     if "/open_ticket" in str(m.get("blocks"))), None)

    return slack.api.wait_for(found, what="suggestions with an open-ticket button")


def _open_button(message: dict[str, Any]) -> dict[str, Any]:
    return next(e for b in message["blocks"] for e in b.get("elements") or []
                if str(e.get("value") or "").startswith("/open_ticket"))


def test_button_in_an_ephemeral_message_works_in_its_thread(slack: Harness) -> None:
    offer = _offer(slack, "UCARLOS", "mi monitor no enciende")
    thread = offer["thread_ts"]
    element = _open_button(offer)
    # Slack sends no ``message`` for an ephemeral one, and chat.update cannot edit it.
    answer = slack.interact({
        "type": "block_actions", "user": {"id": "UCARLOS"}, "channel": {"id": "DUCARLOS"},
        "container": {"type": "message", "message_ts": "1800000999.000001",
                      "channel_id": "DUCARLOS", "is_ephemeral": True, "thread_ts": thread},
        "response_url": slack.api.response_url("ephemeral"),
        "actions": [{"type": "button", "action_id": element["action_id"], "block_id": "b",
                     "value": element["value"], "action_ts": str(time.time())}]})
    assert answer.status == 200
    opened = slack.api.wait_for(lambda: next(
        (m for m in slack.api.messages["DUCARLOS"]
         if m.get("thread_ts") == thread and "INC-1" in blocks_text(m)), None),
        what="the ticket confirmed in the thread")
    assert opened
    assert slack.ticket("INC-1").channel_ref == f"DUCARLOS:{thread}"
    gone = slack.api.wait_calls("respond")[-1].body
    assert gone.get("delete_original") is True
    assert not [c for c in slack.api.calls_to("chat.update")
                if c.body.get("ts") == "1800000999.000001"]


def test_app_rate_limited_is_acknowledged_and_logged(slack: Harness,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="bot.app")
    answer = slack.post(json.dumps({"token": "legacy", "type": "app_rate_limited",
                                    "team_id": "T0DESK", "minute_rate_limited": 1518467820,
                                    "api_app_id": "A0DESK"}), "application/json")
    assert answer.status == 200
    assert "rate limiting events" in caplog.text and "T0DESK" in caplog.text


def test_a_screenshot_in_the_ticket_thread_reaches_the_ticket(slack: Harness) -> None:
    ticket = slack.open_ticket(slack.cast.carlos, "Outlook muestra un error al abrir",
                               category="email", ref="DUCARLOS:1800000000.000500")
    ts = f"1800000001.{slack.next_id():06d}"
    slack.event({
        "type": "message", "subtype": "file_share", "channel": "DUCARLOS",
        "channel_type": "im", "user": "UCARLOS", "text": "", "ts": ts,
        "thread_ts": "1800000000.000500", "upload": False,
        "files": [{"id": "F0SHOT", "name": "error.png", "title": "error outlook.png",
                   "mimetype": "image/png",
                   "url_private": "https://files.slack.com/files-pri/T0DESK-F0SHOT/error.png",
                   "permalink": "https://desk.slack.com/files/UCARLOS/F0SHOT/error.png"}]})

    def commented() -> list[str]:
        return [e.payload.get("text", "") for e in slack.ticket(ticket.key).history
                if e.type == "commented"]

    texts = slack.api.wait_for(commented, what="the file as a comment on the ticket")
    assert "📎 error outlook.png (https://desk.slack.com/files/UCARLOS/F0SHOT/error.png)" in \
        texts[0]
