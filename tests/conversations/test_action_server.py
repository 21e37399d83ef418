"""The conversation's actions are ordinary rasa-sdk actions: a Rasa server can call them.

Registered from the ``actions`` package by rasa-sdk's own executor (importing must have no side
effects), run through ``ActionExecutor.run`` with a webhook payload, and served for real by
``python -m rasa_sdk --actions actions``.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk.executor import ActionExecutor

from actions import services as services_module
from actions.conversation import ACTION_CLASSES
from actions.services import Services, set_default_services
from tests.conftest import ROOT, Cast


def tracker(person_id: int | None, *, sender: str = "console:1",
            slots: dict[str, Any] | None = None, intent: str = "greet", text: str = "hola",
            entities: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    metadata = {"channel": "slack", "thread_ref": "C1:111.222", "flavour": "mrkdwn"}
    if person_id is not None:
        metadata["person_id"] = person_id
    return {
        "sender_id": sender, "slots": slots or {}, "events": [], "paused": False,
        "latest_message": {"text": text, "intent": {"name": intent, "confidence": 1.0},
                           "entities": entities or [], "metadata": metadata},
        "latest_action_name": "action_listen", "active_loop": {},
    }


def test_registering_the_package_finds_every_action_without_side_effects() -> None:
    set_default_services(None)
    executor = ActionExecutor()
    executor.register_package("actions")
    expected = {cls().name() for cls in ACTION_CLASSES}
    assert expected <= set(executor.actions)
    assert services_module._default is None  # nothing connected to a database on import


def test_executor_runs_an_action_from_a_webhook_payload(desk: Services, people: Cast) -> None:
    executor = ActionExecutor()
    executor.register_package("actions")
    payload = {
        "next_action": "action_open_ticket", "sender_id": "C1:111.222", "domain": {},
        "tracker": tracker(people.carlos.id, intent="open_ticket", text="/open_ticket", slots={
            "problem": {"text": "la VPN se desconecta cada 5 minutos", "kind": "incident",
                        "category": "network"}}),
    }
    result = asyncio.run(executor.run(payload))
    assert result is not None
    messages, events = result.responses, result.events
    assert "Abrí el ticket *INC-1*" in messages[0]["text"]
    assert messages[0]["custom"]["kind"] == "ticket_opened"
    assert {"event": "slot", "name": "ticket_key", "value": "INC-1"} in \
        [{k: e[k] for k in ("event", "name", "value")} for e in events]
    with desk.uow() as uow:
        ticket = uow.tickets.get("INC-1")
        assert (ticket.channel, ticket.channel_ref, ticket.team_code) == \
            ("slack", "C1:111.222", "L2")


def test_sender_id_is_taken_as_the_slack_user_when_no_person_is_given(
        desk: Services, people: Cast) -> None:
    executor = ActionExecutor()
    executor.register_package("actions")
    result = asyncio.run(executor.run({
        "next_action": "action_greet", "sender_id": "UEMMA", "domain": {},
        "tracker": tracker(None, sender="UEMMA")}))
    assert result is not None and result.responses[0]["text"].startswith("Hi Emma!")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _post(url: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:  # a busy machine is slow
        return json.loads(response.read())


def _stop(server: subprocess.Popen[bytes]) -> None:
    """Stop the server: politely, and if a loaded machine keeps it busy for a minute, for good
    (its graceful shutdown is not what the test is about)."""
    server.terminate()
    try:
        server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=60)


def _start_action_server(env: dict[str, str], log: Any) -> tuple[subprocess.Popen[bytes], int]:
    """``python -m rasa_sdk`` on a free port, retried on another port if one was taken between
    choosing it and binding it (tests run in parallel)."""
    for _ in range(3):
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.monotonic() + 60
        while server.poll() is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                    assert json.loads(r.read())["status"] == "ok"
                    return server, port
            except OSError:
                time.sleep(0.2)
        _stop(server)
    log.seek(0)
    pytest.fail("action server did not start: " + log.read().decode(errors="replace")[-2000:])


def test_rasa_sdk_action_server_serves_the_actions(desk: Services, people: Cast,
                                                   tmp_path: Path) -> None:
    env = {**os.environ, "DESKBOT_DATABASE_URL": str(desk.engine.url),
           "DESKBOT_CONFIG": str(ROOT / "config.yml")}
    with open(tmp_path / "server.log", "w+b") as log:
        server, port = _start_action_server(env, log)
        try:
            answer = _post(f"http://127.0.0.1:{port}/webhook", {
                "next_action": "action_ticket_status", "sender_id": "UCARLOS", "domain": {},
                "tracker": tracker(people.carlos.id, intent="ask_status", text="mis tickets")})
            assert "No tienes tickets abiertos" in answer["responses"][0]["text"]
        finally:
            _stop(server)
