"""Socket Mode requests go through the inbox too: stored, then acknowledged, then worked."""

from __future__ import annotations

import time
from typing import Any

from slack_sdk.socket_mode.request import SocketModeRequest

from actions import inbox
from bot.app import create_app
from bot.slack.client import make_client
from bot.socket_mode import InboxSocketModeHandler
from tests.slack.conftest import Harness


class Connection:
    """Stands in for the Socket Mode connection: records the acknowledgements sent on it."""

    def __init__(self) -> None:
        self.acks: list[Any] = []

    def send_socket_mode_response(self, response: Any) -> None:
        self.acks.append(response)


def test_a_socket_mode_dm_is_stored_acknowledged_and_answered_once(slack: Harness) -> None:
    app = create_app(slack.services, client=make_client("xoxb-test", slack.api.url),
                     socket_mode=True)
    handler = InboxSocketModeHandler(app, "xapp-test", slack.services)
    connection = Connection()
    ts = "1800000000.900001"
    envelope = {"type": "event_callback", "event_id": "EvSOCKET", "team_id": "T0DESK",
                "api_app_id": "A0DESK", "event_time": int(time.time()),
                "authorizations": [{"team_id": "T0DESK", "user_id": "UBOT", "is_bot": True}],
                "event": {"type": "message", "channel": "DUEMMA", "channel_type": "im",
                          "user": "UEMMA", "text": "my laptop\x00 is slow", "ts": ts,
                          "event_ts": ts}}
    try:
        for attempt, envelope_id in enumerate(("env-1", "env-2")):
            handler.handle(connection, SocketModeRequest(
                type="events_api", envelope_id=envelope_id, payload=envelope,
                retry_attempt=attempt or None))
    finally:
        handler.close()
    assert [a.envelope_id for a in connection.acks] == ["env-1", "env-2"]
    [row] = inbox.list_rows(slack.services)
    assert row.key == "slack:EvSOCKET" and "\\u0000" not in row.body
    slack.api.wait_for(lambda: [m for m in slack.api.messages.get("DUEMMA", [])
                                if m.get("thread_ts") == ts], what="the answer")
