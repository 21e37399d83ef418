"""The whole journey in Slack, over HTTP, with the real conversation and the real outbox."""

from __future__ import annotations

import json
from typing import Any

from bot.ids import ActionId, BlockId, CallbackId
from tests.slack.conftest import TRIAGE, Harness, blocks_text, find_button


def _posts(slack: Harness, channel: str, thread_ts: str | None = None) -> list[dict[str, Any]]:
    return [c.body for c in slack.api.calls_to("chat.postMessage")
            if c.body.get("channel") == channel
            and (thread_ts is None or c.body.get("thread_ts") == thread_ts)]


def _wait_post(slack: Harness, channel: str, thread_ts: str | None, contains: str,
               ) -> dict[str, Any]:
    def found() -> dict[str, Any] | None:
        for body in _posts(slack, channel, thread_ts):
            if contains in blocks_text(body):
                return body
        return None

    return slack.api.wait_for(found, what=f"a post containing {contains!r}")


def _stored(slack: Harness, channel: str, contains: str) -> dict[str, Any]:
    """The message as Slack holds it now (with its ts), found by its text."""
    def found() -> dict[str, Any] | None:
        return next((m for m in reversed(slack.api.messages.get(channel, []))
                     if contains in blocks_text(m)), None)

    return slack.api.wait_for(found, what=f"stored message with {contains!r}")


def _updates(slack: Harness, channel: str, ts: str) -> list[dict[str, Any]]:
    return [c.body for c in slack.api.calls_to("chat.update")
            if c.body.get("channel") == channel and c.body.get("ts") == ts]


def test_dm_to_closed_ticket_with_survey(slack: Harness) -> None:
    dm = "DUCARLOS"
    # 1. The employee writes; suggestions come back in the thread of the message.
    assert slack.dm("UCARLOS", "no puedo conectarme a la vpn desde casa").status == 200
    suggestions = _stored(slack, dm, "Abrir ticket")
    thread = suggestions["thread_ts"]
    # 2. None helped: "Abrir ticket". The suggestion's buttons go away; the ticket is confirmed.
    slack.click("UCARLOS", suggestions, dm, _button_with(suggestions, "/open_ticket"))
    slack.api.wait_for(lambda: any(not any(b.get("type") == "actions" for b in u["blocks"])
                                   for u in _updates(slack, dm, suggestions["ts"])),
                       what="suggestion buttons removed")
    opened = _wait_post(slack, dm, thread, "INC-1")
    text = blocks_text(opened)
    for fact in ("*INC-1*", "Categoría: Red y VPN", "Prioridad: P3", "Equipo: L2"):
        assert fact in text
    ticket = slack.ticket("INC-1")
    assert ticket.channel_ref == f"{dm}:{thread}"
    assert ticket.team == "L2" and ticket.status == "open"
    # 3. The triage card reaches L2's channel with Claim / Transfer.
    slack.deliver()
    card = _stored(slack, TRIAGE["L2"], "INC-1")
    find_button(card["blocks"], ActionId.TRANSFER)
    # 4. Luis claims from the card: card edited in place, requester told in the thread.
    slack.click("ULUIS", card, TRIAGE["L2"], ActionId.CLAIM)
    slack.api.wait_for(lambda: any("Luis" in blocks_text(u)
                                   for u in _updates(slack, TRIAGE["L2"], card["ts"])),
                       what="card updated with the assignee")
    assert slack.ticket("INC-1").assignee.name == "Luis Pérez"
    slack.deliver()
    _wait_post(slack, dm, thread, "Luis Pérez")
    # 5. The technician asks something (pending): it arrives in the same thread.
    slack.command("ULUIS", "pending INC-1 ¿Qué error exacto te muestra FortiClient?")
    slack.api.wait_for(lambda: slack.ticket("INC-1").status == "pending", what="pending")
    slack.deliver()
    _wait_post(slack, dm, thread, "FortiClient")
    # 6. The employee answers in the thread: a comment, and the ticket is back in progress.
    slack.dm("UCARLOS", "Dice error -7200 <!channel>", thread_ts=thread)
    slack.api.wait_for(lambda: slack.ticket("INC-1").status == "in_progress",
                       what="ticket resumed by the reply")
    history = slack.ticket("INC-1").history
    assert any(e.type == "commented" and "-7200" in e.payload.get("text", "")
               for e in history)
    # 7. Resolved: the notice in the thread asks to confirm.
    slack.command("ULUIS", "resolve INC-1 Reinstalé el cliente VPN y actualicé el perfil")
    slack.api.wait_for(lambda: slack.ticket("INC-1").status == "resolved", what="resolved")
    slack.deliver()
    notice = _wait_post(slack, dm, thread, "Reinstalé")
    find_button(notice["blocks"], ActionId.CONFIRM)
    resolved = _stored(slack, dm, "Reinstalé")
    # Someone else cannot answer for the requester.
    slack.click("UEMMA", resolved, dm, ActionId.CONFIRM)
    refusal = slack.api.wait_for(lambda: next((c.body for c in slack.api.calls_to(
        "chat.postEphemeral") if c.body.get("user") == "UEMMA"), None), what="refusal")
    assert "Only the person who opened *INC-1*" in refusal["text"]
    assert slack.ticket("INC-1").status == "resolved"
    # 8. The requester confirms: closed; the same message now asks for the rating.
    slack.click("UCARLOS", resolved, dm, ActionId.CONFIRM)
    slack.api.wait_for(lambda: slack.ticket("INC-1").status == "closed", what="closed")
    rating = slack.api.wait_for(
        lambda: next((m for m in slack.api.messages[dm] if m["ts"] == resolved["ts"]
                      and "survey_rate" in json.dumps(m["blocks"])), None), what="rating")
    # 9. Rating 5: recorded once; the message offers the optional comment.
    slack.click("UCARLOS", rating, dm, ActionId.RATE + ":4")
    slack.api.wait_for(lambda: slack.ticket("INC-1").survey, what="survey answered")
    assert slack.ticket("INC-1").survey[0].rating == 5
    after = slack.api.wait_for(
        lambda: next((m for m in slack.api.messages[dm] if m["ts"] == resolved["ts"]
                      and "survey_comment" in json.dumps(m["blocks"])), None), what="comment")
    assert "survey_rate" not in json.dumps(after["blocks"])
    # 10. The comment modal, then thanks and no buttons at all.
    slack.click("UCARLOS", after, dm, ActionId.SURVEY_COMMENT)
    modal = slack.api.wait_calls("views.open")[-1].body["view"]
    assert modal["callback_id"] == CallbackId.SURVEY_COMMENT_FORM
    slack.submit("UCARLOS", CallbackId.SURVEY_COMMENT_FORM,
                 {BlockId.COMMENT: {"value": {"type": "plain_text_input",
                                              "value": "Muy rápido, gracias"}}},
                 metadata=modal["private_metadata"])
    slack.api.wait_for(lambda: slack.ticket("INC-1").survey[0].comment, what="comment saved")
    final = slack.api.wait_for(
        lambda: next((m for m in slack.api.messages[dm] if m["ts"] == resolved["ts"]
                      and not any(b.get("type") == "actions" for b in m["blocks"])), None),
        what="buttons gone")
    assert "Gracias" in blocks_text(final)
    assert slack.ticket("INC-1").survey[0].comment == "Muy rápido, gracias"
    # Every bot message of the conversation stayed in the employee's thread.
    assert all(b.get("thread_ts") == thread for b in _posts(slack, dm))


def _button_with(message: dict[str, Any], payload_start: str) -> str:
    for block in message.get("blocks") or []:
        for element in block.get("elements") or []:
            if str(element.get("value") or "").startswith(payload_start):
                return element["action_id"]
    raise AssertionError(f"no button with {payload_start}")



def test_dm_answer_written_outside_the_thread_continues_the_conversation(slack: Harness) -> None:
    dm = "DUEMMA"
    slack.dm("UEMMA", "it doesn't work")
    question = _stored(slack, dm, "What isn't working?")
    thread = question["thread_ts"]
    # Emma answers in the DM itself, not in the thread: the bot still knows what she means.
    slack.dm("UEMMA", "my laptop is super slow since this morning")
    slack.api.wait_for(
        lambda: next((b for b in _posts(slack, dm, thread) if b.get("reply_broadcast")), None),
        what="the answer handled in the question's thread, broadcast to the DM")
    _wait_post(slack, dm, thread, "Open a ticket")  # suggestions for the slow laptop, there


def test_a_yes_outside_the_thread_confirms_nothing(slack: Harness) -> None:
    from sqlalchemy import func, select

    from store.models import Deflection

    dm = "DUEMMA"
    slack.dm("UEMMA", "my laptop is super slow since this morning")
    first = _stored(slack, dm, "Open a ticket")["thread_ts"]
    slack.dm("UEMMA", "ok")  # a new top-level message: it answers no earlier question
    reply = slack.api.wait_for(
        lambda: next((b for b in _posts(slack, dm) if b.get("thread_ts") != first), None),
        what="the answer to 'ok' in its own thread")
    assert not reply.get("reply_broadcast")
    assert "This solved it" not in blocks_text(reply)
    with slack.services.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Deflection)) == 0


def test_a_new_dm_long_after_is_a_new_conversation(slack: Harness) -> None:
    import time_machine

    from actions.common import now
    from bot.slack.converse import DM_FOLLOW_UP

    dm = "DUEMMA"
    slack.dm("UEMMA", "my laptop is super slow since this morning")
    first = _stored(slack, dm, "Open a ticket")["thread_ts"]
    with time_machine.travel(now() + DM_FOLLOW_UP * 2, tick=True):
        slack.dm("UEMMA", "the vpn won't connect from home")
        later = slack.api.wait_for(
            lambda: next((b for b in _posts(slack, dm) if "VPN" in blocks_text(b)
                          and b.get("thread_ts") != first), None),
            what="an answer in the new message's own thread")
    assert not later.get("reply_broadcast")


def test_a_new_problem_written_in_the_dm_starts_its_own_thread(slack: Harness) -> None:
    dm = "DUEMMA"
    slack.dm("UEMMA", "my laptop is super slow since this morning")
    first = _stored(slack, dm, "Open a ticket")["thread_ts"]
    slack.dm("UEMMA", "also the vpn won't connect from home")
    vpn = slack.api.wait_for(
        lambda: next((b for b in _posts(slack, dm) if "VPN" in blocks_text(b)), None),
        what="suggestions for the new problem")
    assert vpn["thread_ts"] != first and not vpn.get("reply_broadcast")
