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
