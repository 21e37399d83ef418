"""The Slack app over real HTTP on a loopback port, its WebClient pointed at the stand-in.

``slack`` gives a ``Harness``: the desk (SQLite), its people (``cast``), the running app, the
Web API stand-in, and helpers that send requests exactly as Slack does (signed; events as JSON,
slash commands form-encoded, interactivity as ``payload=<json>``).
"""

from __future__ import annotations

import dataclasses
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_sdk.signature import SignatureVerifier

from actions.outbox import deliver_due
from actions.services import Services
from actions.settings import Settings
from bot.app import create_app
from bot.http import BackgroundServer, Desk
from bot.slack.client import make_client
from bot.slack.deliver import SlackDeliverer
from store.types import utcnow
from tests.conftest import Cast, add_cast, make_services
from tests.slack.stand_in import SlackStandIn, slack_user

SECRET = "test-signing-secret"
TRIAGE = {"L1": "CL1TRIAGE", "L2": "CL2TRIAGE", "L3": "CL3TRIAGE"}


def slack_users() -> dict[str, dict[str, Any]]:
    return {
        "UCARLOS": slack_user("UCARLOS", "Carlos Gómez", email="carlos@example.com",
                              tz="America/Mexico_City", locale="es-LA"),
        "UEMMA": slack_user("UEMMA", "Emma Brown", email="emma@example.com",
                            tz="Europe/London"),
        "UNEW": slack_user("UNEW", "Nora Vidal", email="nora@example.com", tz="Europe/Madrid",
                           locale="es-ES"),
        "UANA": slack_user("UANA", "Ana Torres", email="ana@example.com"),
    }


@dataclass
class Response:
    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


class Harness:
    def __init__(self, services: Services, cast: Cast, api: SlackStandIn, url: str,
                 deliverer: SlackDeliverer) -> None:
        self.services, self.cast, self.api, self.url = services, cast, api, url
        self.deliverer = deliverer
        self._n = 0

    # --- sending as Slack ---------------------------------------------------------------------
    def post(self, body: str, content_type: str, *, timestamp: int | None = None,
             signature: str | None = None, headers: dict[str, str] | None = None) -> Response:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        sig = signature or SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body)
        request = urllib.request.Request(
            f"{self.url}/slack/events", data=body.encode(), method="POST",
            headers={"Content-Type": content_type, "X-Slack-Request-Timestamp": ts,
                     "X-Slack-Signature": sig, **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return Response(answer.status, answer.read().decode())
        except urllib.error.HTTPError as error:
            return Response(error.code, error.read().decode())

    def next_id(self) -> int:
        self._n += 1
        return self._n

    def event(self, event: dict[str, Any], *, event_id: str | None = None, retry: int | None = None,
              ) -> Response:
        envelope = {"token": "legacy", "team_id": "T0DESK", "api_app_id": "A0DESK",
                    "type": "event_callback", "event": event,
                    "event_id": event_id or f"Ev{self.next_id():08d}",
                    "event_time": int(time.time()),
                    "authorizations": [{"team_id": "T0DESK", "user_id": "UBOT",
                                        "is_bot": True}]}
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} \
            if retry else None
        return self.post(json.dumps(envelope), "application/json", headers=headers)

    def dm(self, user: str, text: str, *, thread_ts: str | None = None, **kw: Any) -> Response:
        ts = f"1800000000.{self.next_id():06d}"
        event = {"type": "message", "channel": f"D{user}", "channel_type": "im", "user": user,
                 "text": text, "ts": ts, "event_ts": ts}
        if thread_ts:
            event["thread_ts"] = thread_ts
        return self.event(event, **kw)

    def command(self, user: str, text: str, *, name: str = "/ticket") -> Response:
        form = {"token": "legacy", "team_id": "T0DESK", "channel_id": "CGENERAL",
                "user_id": user, "command": name, "text": text,
                "response_url": self.api.response_url(f"cmd{self.next_id()}"),
                "trigger_id": f"trig.{self.next_id()}", "api_app_id": "A0DESK"}
        return self.post(urlencode(form), "application/x-www-form-urlencoded")

    def interact(self, payload: dict[str, Any]) -> Response:
        payload = {"team": {"id": "T0DESK"}, "api_app_id": "A0DESK", "token": "legacy",
                   "trigger_id": f"trig.{self.next_id()}", **payload}
        return self.post(urlencode({"payload": json.dumps(payload)}),
                         "application/x-www-form-urlencoded")

    def click(self, user: str, message: dict[str, Any], channel: str, action_id: str,
              ) -> Response:
        """Press the button ``action_id`` (exact or indexed) of a message the bot posted."""
        element = find_button(message.get("blocks") or [], action_id)
        return self.interact({
            "type": "block_actions", "user": {"id": user}, "channel": {"id": channel},
            "container": {"type": "message", "message_ts": message["ts"], "channel_id": channel},
            "message": message, "response_url": self.api.response_url("act"),
            "actions": [{"type": "button", "action_id": element["action_id"],
                         "block_id": "b", "value": element.get("value"),
                         "action_ts": str(time.time())}]})

    def submit(self, user: str, callback_id: str, values: dict[str, Any],
               metadata: str = "{}") -> Response:
        return self.interact({
            "type": "view_submission", "user": {"id": user},
            "view": {"id": "V1", "type": "modal", "callback_id": callback_id,
                     "private_metadata": metadata, "state": {"values": values}}})

    def suggest(self, user: str, view: dict[str, Any], block: str, typed: str, *,
                signature: str | None = None) -> Response:
        """What Slack sends as a person types in a searching select of the form ``view`` (a
        ``block_suggestion``: no trigger id; the answer is the options)."""
        payload = {"type": "block_suggestion", "user": {"id": user, "team_id": "T0DESK"},
                   "team": {"id": "T0DESK"}, "api_app_id": "A0DESK", "token": "legacy",
                   "container": {"type": "view", "view_id": "V1"}, "action_id": "value",
                   "block_id": block, "value": typed,
                   "view": {"id": "V1", "type": "modal", "callback_id": view["callback_id"],
                            "private_metadata": view["private_metadata"],
                            "state": {"values": {}}}}
        return self.post(urlencode({"payload": json.dumps(payload)}),
                         "application/x-www-form-urlencoded", signature=signature)

    # --- the desk side ------------------------------------------------------------------------
    def deliver(self, *, later: float = 0) -> None:
        """Deliver every due outbox message (``later`` seconds from now: retries due by then)."""
        at = utcnow() + timedelta(seconds=later)
        while deliver_due(self.services, {"slack": self.deliverer}, now=at).claimed:
            pass

    def open_ticket(self, requester: Any, text: str, ref: str | None = None, **kw: Any) -> Any:
        from actions.intake import NewTicket, open_ticket

        return open_ticket(self.services.uow(), self.services.settings, NewTicket(
            requester_id=requester.id, description=text, channel="slack", channel_ref=ref,
            **kw))

    def card(self, team: str = "L1") -> dict[str, Any]:
        """The first message in ``team``'s triage channel (a ticket's card), once it is posted."""
        return self.api.wait_for(lambda: (self.api.messages.get(TRIAGE[team]) or [None])[0],
                                 what=f"the card in {team}")

    def message(self, channel: str, ts: str) -> dict[str, Any]:
        return next(m for m in self.api.messages.get(channel, []) if m["ts"] == ts)

    def ticket(self, key: str) -> Any:
        from actions.queries import show_ticket

        return show_ticket(self.services.uow(), key=key, actor_id=None)


def find_button(blocks: list[dict[str, Any]], action_id: str) -> dict[str, Any]:
    for block in blocks:
        for element in block.get("elements") or []:
            got = str(element.get("action_id") or "")
            if got == action_id or got.split(":")[0] == action_id:
                return element
    raise AssertionError(f"no button {action_id} in {json.dumps(blocks)[:500]}")


def blocks_text(message: dict[str, Any]) -> str:
    """Everything a person reads in a posted message (text and block texts)."""
    parts = [str(message.get("text") or "")]
    for block in message.get("blocks") or []:
        text = block.get("text")
        if isinstance(text, dict):
            parts.append(text.get("text", ""))
        for element in block.get("elements") or []:
            inner = element.get("text")
            parts.append(inner.get("text", "") if isinstance(inner, dict) else str(inner or ""))
    return "\n".join(parts)


@pytest.fixture
def slack_settings(settings: Settings) -> Settings:
    teams = {code: dataclasses.replace(team, slack_channel=TRIAGE[code])
             for code, team in settings.teams.items()}
    return dataclasses.replace(settings, teams=teams)


@pytest.fixture
def slack(request: pytest.FixtureRequest, slack_settings: Settings, tmp_path: Any,
          ) -> Iterator[Harness]:
    yield from _harness("sqlite", request, slack_settings, tmp_path)


@pytest.fixture
def slack_pg(request: pytest.FixtureRequest, slack_settings: Settings, tmp_path: Any,
             ) -> Iterator[Harness]:
    """The same harness on PostgreSQL (what only PostgreSQL refuses or locks)."""
    yield from _harness("postgres", request, slack_settings, tmp_path)


def _harness(kind: str, request: pytest.FixtureRequest, slack_settings: Settings,
             tmp_path: Any) -> Iterator[Harness]:
    services = make_services(kind, slack_settings, tmp_path, request)
    cast = add_cast(services)
    api = SlackStandIn(slack_users()).start()
    client = make_client("xoxb-test", api.url)
    app = create_app(services, client=client, signing_secret=SECRET)
    server = BackgroundServer(Desk(app, services, signing_secret=SECRET)).start()
    try:
        yield Harness(services, cast, api, server.url, SlackDeliverer(services, client))
    finally:
        server.stop()
        api.stop()
        services.close()
