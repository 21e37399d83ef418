"""Socket Mode requests go through the inbox too: stored, then acknowledged, then worked."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from slack_sdk.socket_mode.request import SocketModeRequest

from actions import inbox
from bot.app import create_app
from bot.ids import BlockId, CallbackId
from bot.slack.client import make_client
from bot.socket_mode import InboxSocketModeHandler
from tests.slack.conftest import Harness


class Connection:
    """Stands in for the Socket Mode connection: records the acknowledgements sent on it."""

    def __init__(self) -> None:
        self.acks: list[Any] = []
        self.logger = logging.getLogger("tests.socket_mode")  # Bolt's answers log through it

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


def test_a_searching_select_is_answered_over_socket_mode_and_not_stored(slack: Harness,
                                                                        ) -> None:
    app = create_app(slack.services, client=make_client("xoxb-test", slack.api.url),
                     socket_mode=True)
    handler = InboxSocketModeHandler(app, "xapp-test", slack.services)
    connection = Connection()
    key = slack.open_ticket(slack.cast.carlos, "no puedo conectarme a la vpn desde casa",
                            category="network").key
    view = {"id": "V1", "type": "modal", "callback_id": CallbackId.ARTICLE_FORM,
            "private_metadata": json.dumps({"key": key}), "state": {"values": {}}}
    asked = {"type": "block_suggestion", "user": {"id": "UANA"}, "team": {"id": "T0DESK"},
             "action_id": "value", "block_id": BlockId.ARTICLE, "value": "VPN", "view": view}
    try:
        for envelope_id, payload in (("env-1", asked), ("env-2", {"type": "block_suggestion"})):
            handler.handle(connection, SocketModeRequest(
                type="interactive", envelope_id=envelope_id, payload=payload))
    finally:
        handler.close()
    found, garbage = connection.acks
    values = [o["value"] for g in found.payload["option_groups"] for o in g["options"]]
    assert values[0] == "vpn-no-conecta"
    assert garbage.payload == {"options": []}
    assert inbox.list_rows(slack.services) == []  # typing is no one's work to keep
