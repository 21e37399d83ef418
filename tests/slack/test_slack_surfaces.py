"""App Home, modals (ticket form, security incident, transfer), mentions and channel threads."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from bot.ids import ActionId, BlockId, CallbackId
from store.models import SecurityRecord, Ticket
from store.types import utcnow
from tests.slack.conftest import TRIAGE, Harness, blocks_text


def _home_text(view: dict[str, Any]) -> str:
    return "\n".join(blocks_text({"blocks": [b]}) for b in view["blocks"])


def _option(value: str) -> dict[str, Any]:
    return {"value": {"type": "static_select", "selected_option": {"value": value}}}


def _text(value: str) -> dict[str, Any]:
    return {"value": {"type": "plain_text_input", "value": value}}


def test_app_home_employee_sees_own_tickets(slack: Harness) -> None:
    mine = slack.open_ticket(slack.cast.carlos, "necesito acceso al ERP")
    slack.open_ticket(slack.cast.emma, "printer jammed")
    slack.event({"type": "app_home_opened", "user": "UCARLOS", "channel": "DUCARLOS",
                 "tab": "home", "event_ts": "1.1"})
    view = slack.api.wait_calls("views.publish")[0].body
    assert view["user_id"] == "UCARLOS"
    text = _home_text(view["view"])
    assert mine.key in text and "ABIERTO" in text and "printer" not in text


def test_app_home_technician_sees_queue_mine_and_breaching_soonest_first(slack: Harness,
                                                                        ) -> None:
    late = slack.open_ticket(slack.cast.carlos, "no imprime la impresora del piso 2")
    soon = slack.open_ticket(slack.cast.emma, "keyboard broken")
    taken = slack.open_ticket(slack.cast.carlos, "pantalla azul al iniciar")
    slack.command("UANA", f"claim {taken.key}")
    slack.api.wait_for(lambda: slack.ticket(taken.key).assignee, what="claimed")
    with slack.services.session_factory() as session:
        session.execute(update(Ticket).where(Ticket.key == soon.key).values(
            response_due_at=utcnow() + timedelta(minutes=5)))
        session.commit()
    slack.event({"type": "app_home_opened", "user": "UANA", "channel": "DUANA", "tab": "home",
                 "event_ts": "1.2"})
    view = slack.api.wait_calls("views.publish")[0].body["view"]
    text = _home_text(view)
    breaching = text.split("A punto de incumplir")[1].split("Asignados a ti")[0]
    assert breaching.index(soon.key) < breaching.index(late.key)
    queue = text.split("Cola de L1")[1]
    assert late.key in queue and soon.key in queue and taken.key not in queue
    assert taken.key in text.split("Asignados a ti")[1].split("Cola de L1")[0]
    assert len(view["blocks"]) <= 100


def test_security_incident_modal_records_the_iso_27001_answers(slack: Harness) -> None:
    slack.interact({"type": "shortcut", "callback_id": CallbackId.SECURITY_SHORTCUT,
                    "user": {"id": "UEMMA"}})
    modal = slack.api.wait_calls("views.open")[0].body["view"]
    assert modal["callback_id"] == CallbackId.SECURITY_FORM
    asked = {b["block_id"] for b in modal["blocks"]}
    assert {BlockId.SEC_WHERE, BlockId.SEC_WHO, BlockId.SEC_WHEN, BlockId.SEC_ACTION,
            BlockId.SEC_SEVERITY} <= asked
    when = int(time.time()) - 3600
    slack.submit("UEMMA", CallbackId.SECURITY_FORM, {
        BlockId.DESCRIPTION: _text("Phishing email asked for my password; I clicked the link"),
        BlockId.SEC_WHERE: _text("Outlook inbox"),
        BlockId.SEC_WHO: _text("Emma Brown"),
        BlockId.SEC_WHEN: {"value": {"type": "datetimepicker", "selected_date_time": when}},
        BlockId.SEC_ACTION: _option("reported"),
        BlockId.SEC_SEVERITY: _option("high"),
    })
    confirmation = slack.api.wait_for(lambda: next(
        (m for m in slack.api.messages.get("DUEMMA", []) if "SEC-1" in blocks_text(m)), None),
        what="confirmation in the DM thread")
    assert confirmation["thread_ts"]
    with slack.services.session_factory() as session:
        ticket = session.scalars(select(Ticket).where(Ticket.key == "SEC-1")).one()
        record = session.get(SecurityRecord, ticket.id)
        assert ticket.channel_ref == f"DUEMMA:{confirmation['thread_ts']}"
        assert (ticket.kind, ticket.priority) == ("security", "P2")
        assert (record.discovered_where, record.discovered_by, record.discoverer_action,
                record.severity) == ("Outlook inbox", "Emma Brown", "reported", "high")
        assert int(record.discovered_at.timestamp()) == when


def test_ticket_form_from_a_shortcut(slack: Harness) -> None:
    slack.interact({"type": "shortcut", "callback_id": CallbackId.OPEN_TICKET_SHORTCUT,
                    "user": {"id": "UNEW"}})
    modal = slack.api.wait_calls("views.open")[0].body["view"]
    assert modal["callback_id"] == CallbackId.TICKET_FORM
    assert modal["title"]["text"] == "Nuevo ticket"  # Nora's Slack locale is es-ES
    slack.submit("UNEW", CallbackId.TICKET_FORM, {
        BlockId.TITLE: _text("Sin acceso a SAP"), BlockId.DESCRIPTION: _text("Me sale error 403"),
        BlockId.CATEGORY: _option("access"), BlockId.URGENCY: _option("high"),
        BlockId.IMPACT: _option("low")})
    slack.api.wait_for(lambda: any("INC-1" in blocks_text(m)
                                   for m in slack.api.messages.get("DUNEW", [])), what="confirm")
    ticket = slack.ticket("INC-1")
    assert (ticket.title, ticket.category, ticket.priority, ticket.team) == (
        "Sin acceso a SAP", "access", "P3", "L1")
    assert (ticket.requester.name, ticket.requester.address("email"), ticket.requester.timezone,
            ticket.requester.language) == ("Nora Vidal", "nora@example.com", "Europe/Madrid",
                                           "es")


def test_transfer_from_the_card_moves_it_to_the_other_team(slack: Harness) -> None:
    ticket = slack.open_ticket(slack.cast.carlos, "la impresora no imprime")
    slack.deliver()
    card = slack.card()
    slack.click("UANA", card, TRIAGE["L1"], ActionId.TRANSFER)
    modal = slack.api.wait_calls("views.open")[0].body["view"]
    assert modal["callback_id"] == CallbackId.TRANSFER_FORM
    empty = slack.submit("UANA", CallbackId.TRANSFER_FORM, {}, metadata=modal["private_metadata"])
    assert json.loads(empty.body)["response_action"] == "errors"
    slack.submit("UANA", CallbackId.TRANSFER_FORM, {BlockId.TEAM: _option("L2")},
                 metadata=modal["private_metadata"])
    slack.api.wait_for(lambda: slack.ticket(ticket.key).team == "L2", what="transferred")
    slack.deliver()
    new_card = slack.card("L2")
    assert ticket.key in blocks_text(new_card)
    old = slack.message(TRIAGE["L1"], card["ts"])
    assert not old["blocks"]  # the old card keeps the record, no buttons


def test_employee_cannot_open_the_transfer_form(slack: Harness) -> None:
    slack.open_ticket(slack.cast.carlos, "la impresora no imprime")
    slack.deliver()
    card = slack.card()
    slack.click("UCARLOS", card, TRIAGE["L1"], ActionId.TRANSFER)
    refusal = slack.api.wait_calls("chat.postEphemeral")[0].body
    assert refusal["user"] == "UCARLOS" and "Solo el equipo de soporte" in refusal["text"]
    assert not slack.api.calls_to("views.open")


def test_mention_in_a_channel_is_answered_in_its_thread_and_chatter_is_ignored(
        slack: Harness) -> None:
    slack.event({"type": "app_mention", "channel": "CHELP", "user": "UEMMA",
                 "text": "<@UBOT> my outlook does not sync", "ts": "1800000001.000100",
                 "event_ts": "1800000001.000100"})
    # Slack also sends the same message as message.channels: not answered twice.
    slack.event({"type": "message", "channel": "CHELP", "channel_type": "channel",
                 "user": "UEMMA", "text": "<@UBOT> my outlook does not sync",
                 "ts": "1800000001.000100"})
    slack.event({"type": "message", "channel": "CHELP", "channel_type": "channel",
                 "user": "UCARLOS", "text": "lunch?", "ts": "1800000001.000200"})
    slack.event({"type": "message", "subtype": "bot_message", "channel": "CHELP",
                 "bot_id": "BOTHER", "text": "deploy done", "ts": "1800000001.000300",
                 "thread_ts": "1800000001.000100"})
    reply = slack.api.wait_calls("chat.postMessage")[0].body
    assert (reply["channel"], reply["thread_ts"]) == ("CHELP", "1800000001.000100")
    # A reply in that thread (no mention) is for the bot: the conversation lives there.
    slack.event({"type": "message", "channel": "CHELP", "channel_type": "channel",
                 "user": "UEMMA", "text": "/open_ticket", "ts": "1800000001.000400",
                 "thread_ts": "1800000001.000100"})
    slack.api.wait_for(lambda: any("INC-1" in blocks_text(c.body)
                                   for c in slack.api.calls_to("chat.postMessage")
                                   if c.body["channel"] == "CHELP"),
                       what="ticket opened from the channel thread")
    posts = [c for c in slack.api.calls_to("chat.postMessage") if c.body["channel"] == "CHELP"]
    assert all(c.body["thread_ts"] == "1800000001.000100" for c in posts)
    assert slack.ticket("INC-1").channel_ref == "CHELP:1800000001.000100"
    assert len(posts) == 2


def test_card_shows_due_times_and_a_breach_is_said_under_it(slack: Harness) -> None:
    import time_machine

    from actions.sweep import sweep

    ticket = slack.open_ticket(slack.cast.carlos, "La impresora del piso 3 no imprime",
                               category="hardware", ref="DUCARLOS:1800000000.000001")
    slack.deliver()
    card = slack.card()
    text = blocks_text(card)
    due = int(ticket.response_due_at.timestamp())
    assert f"<!date^{due}^" in text and "Primera respuesta antes de" in text
    assert "SLA vencido" not in text

    # Nobody answered in time: the sweep sends the breach and escalates the ticket to L2.
    with time_machine.travel(ticket.response_due_at + timedelta(minutes=1), tick=False):
        sweep(slack.services)
        slack.deliver()
    l2_card = slack.card("L2")
    assert "SLA vencido" in blocks_text(l2_card)
    said = [c.body for c in slack.api.calls_to("chat.postMessage")
            if c.body.get("channel") == TRIAGE["L2"] and c.body.get("thread_ts") == l2_card["ts"]]
    assert said and all(body.get("reply_broadcast") for body in said)
    assert any(ticket.key in blocks_text(body) for body in said)
