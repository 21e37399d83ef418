"""The technician tools against ``deskbot run`` as a real process, spoken to as Slack speaks.

One journey, on SQLite (the same use cases run on PostgreSQL in tests/tools and tests/slack): a
second employee with the same problem joins the first one's ticket; saved replies, search, the
internal chat under the triage card, merge (and its refusals), category and kind corrections, the
ISO 27001 form and an article draft, each through a signed ``/ticket`` or event. At the end every
message the stand-in received for the employees is read: no private word reached them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.slack.conftest import blocks_text
from tests.slack.stand_in import SlackStandIn, slack_user
from tests.slack.test_blackbox import (
    KEY,
    SECRET,
    TECHNICIANS,
    Desk,
    _respond,
    button,
    database,
)

ROOT = Path(__file__).resolve().parents[2]
TRIAGE = {"L1": "CL1TRIAGE", "L2": "CL2TRIAGE", "L3": "CL3TRIAGE"}
PRINTER = "la impresora del segundo piso no imprime nada"


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    tmp = tmp_path_factory.mktemp("blackbox-tools")
    config = tmp / "config.yml"
    settings = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    for code, channel in TRIAGE.items():  # each team gets its triage channel
        settings["teams"][code]["slack_channel"] = channel
    config.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    (tmp / "kb").symlink_to(ROOT / "kb")
    api = SlackStandIn({
        "UCARLOS": slack_user("UCARLOS", "Carlos Gómez", email="carlos@example.com",
                              locale="es-LA"),
        "UNORA": slack_user("UNORA", "Nora Vidal", email="nora@example.com", locale="es-ES"),
        "UPEDRO": slack_user("UPEDRO", "Pedro Ruiz", email="pedro@example.com", locale="es-ES"),
    }).start()
    with database("sqlite", tmp) as url:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DESKBOT_"))}
        env.update({"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SECRET,
                    "DESKBOT_SLACK_API_URL": api.url, "DESKBOT_DATABASE_URL": url,
                    "DESKBOT_CONFIG": str(config), "DESKBOT_SMTP_HOST": "off",
                    "PYTHONUNBUFFERED": "1"})
        running = Desk(api, env, tmp / "deskbot-run.log")
        try:
            running.cli("db", "upgrade")
            for slack_id, name, team in TECHNICIANS:
                running.cli("people", "add", "--slack-id", slack_id, "--name", name,
                            "--role", "technician", "--team", team, "--language", "es")
            running.start()
            yield running
        finally:
            running.stop()
            api.stop()
    assert "Traceback" not in running.stderr(), running.stderr()[-3000:]


def _command(desk: Desk, user: str, text: str) -> str:
    answer, hook = desk.command(user, text)
    assert answer.status == 200
    body = _respond(desk, hook, wait=True)
    assert body is not None
    return str(body.get("text") or "")


def _any_card(desk: Desk, key: str) -> tuple[str, dict[str, Any]]:
    """(triage channel, card) of ``key``, in whichever team's channel it was posted."""
    return desk.api.wait_for(lambda: next(
        ((channel, m) for channel in TRIAGE.values() for m in desk.api.messages.get(channel, [])
         if key in blocks_text(m) and not m.get("thread_ts")), None), what=f"the card of {key}")


def _open(desk: Desk, user: str, text: str) -> tuple[str, str]:
    """DM ``text``, press "Abrir ticket": (thread, the message that answered it)."""
    event = desk.dm(user, text)
    # The first message of a fresh process loads the language model: a generous ceiling.
    offer = desk.api.wait_for(lambda: next(
        (m for m in desk.api.messages.get(f"D{user}", []) if m.get("thread_ts") == event["ts"]
         and "Abrir ticket" in blocks_text(m)), None), timeout=90, what="the suggestions")
    element, block_id = button(offer, "/open_ticket")
    assert desk.click(user, offer, f"D{user}", element, block_id).status == 200
    return event["ts"], f"D{user}"


def _history(desk: Desk, key: str) -> list[dict[str, Any]]:
    return json.loads(desk.cli("ticket", "history", key, "--json"))


def test_technician_tools_journey(desk: Desk) -> None:
    # 1. Two employees with the same problem: the second joins the first one's ticket.
    thread, dm = _open(desk, "UCARLOS", PRINTER)
    key = desk.wait_key(dm, thread)
    channel, card = _any_card(desk, key)
    nora_thread, nora_dm = _open(desk, "UNORA", PRINTER + " desde ayer")
    offer = desk.stored(nora_dm, nora_thread, "Parece el mismo problema")
    element, block_id = button(offer, '/open_ticket{"join"')
    assert desk.click("UNORA", offer, nora_dm, element, block_id).status == 200
    desk.wait_post(nora_dm, nora_thread, f"sigues *{key}*")
    # 2. Saved replies: listed, expanded, delivered to the requester and to the follower.
    assert "impresora-driver" in _command(desk, "UANA", "replies impresora")
    assert "Respuesta enviada" in _command(desk, "UANA", f"reply {key} ::impresora-driver")
    desk.wait_post(dm, thread, "Portal de empresa")
    desk.wait_post(nora_dm, None, "Portal de empresa")
    assert "No existe la respuesta guardada" in _command(desk, "UANA", f"reply {key} ::nada")
    # 3. Search, fuzzy.
    assert key in _command(desk, "UANA", "search impresroa segundo piso")
    # 4. The internal chat under the card (a note written elsewhere is posted there too).
    chat = desk.message("UANA", "PRIVADO-CHAT revisad el tóner", channel=channel,
                        channel_type="channel", thread_ts=card["ts"])
    assert desk.event(chat).status == 200
    _command(desk, "UANA", f"note {key} PRIVADO-NOTA garantía hasta marzo")
    desk.wait_post(channel, card["ts"], "PRIVADO-NOTA")
    # 5. Merge: refusals first (nothing changes), then a duplicate into the ticket.
    other_thread, other_dm = _open(desk, "UPEDRO", "mi monitor no enciende")
    other = desk.wait_key(other_dm, other_thread)
    assert "consigo mismo" in _command(desk, "UANA", f"merge {key} INTO {key}")
    assert "Solo el equipo de soporte" in _command(desk, "UPEDRO", f"merge {other} INTO {key}")
    assert "fusionado" in _command(desk, "UANA", f"merge {other} INTO {key}")
    desk.wait_post(other_dm, other_thread, f"el mismo problema que *{key}*")
    # 6. Corrections: category, kind (the old key keeps working), the ISO form.
    assert "categoría network" in _command(desk, "UANA", f"category {key} network")
    assert "SEC-1" in _command(desk, "ULUIS", f"kind {key} security")
    opened = len(desk.api.calls_to("views.open"))
    desk.command("ULUIS", f"iso {key}")
    form = desk.api.wait_calls("views.open", opened + 1)[-1].body["view"]
    assert form["callback_id"] == "iso_form"
    # 7. Resolved, then an article drafted from its public story.
    _command(desk, "ULUIS", "resolve SEC-1 Driver reinstalado y tambor limpio")
    assert "Borrador de artículo" in _command(desk, "ULUIS", "kb SEC-1")
    article = desk.cli("kb", "drafts", "--show", "1")
    assert "sec-1" in article and "Driver reinstalado" in article and "PRIVADO" not in article
    shown = desk.ticket(key)
    assert shown["key"] == "SEC-1" and shown["aliases"] == [key] and shown["team"] == "L2"
    assert shown["followers"] == ["Nora Vidal", "Pedro Ruiz"]
    assert {"key": other, "kind": "merged_from"} in shown["links"]
    notes = [e["payload"]["text"] for e in _history(desk, key) if e["type"] == "noted"]
    assert sorted(notes) == ["PRIVADO-CHAT revisad el tóner", "PRIVADO-NOTA garantía hasta marzo"]
    # 8. Nothing private reached an employee, in any message the stand-in received.
    desk.wait_post(dm, thread, "Driver reinstalado")
    employees = {"DUCARLOS", "DUNORA", "DUPEDRO", "UCARLOS", "UNORA", "UPEDRO"}
    seen = [json.dumps(c.body, ensure_ascii=False) for c in desk.api.calls
            if c.body.get("channel") in employees or c.body.get("user") in employees]
    assert seen
    for text in seen:
        assert "PRIVADO" not in text and "Borrador" not in text, text[:300]
    assert KEY.search(" ".join(seen))
