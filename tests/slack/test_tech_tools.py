"""Technician tools in Slack, over HTTP: the reply form with saved replies, the internal chat
under the triage card, files kept with the ticket, the ISO 27001 form, merge from ``/ticket``;
and a journey whose every outgoing message is checked: private notes, the internal chat and
article drafts never reach the requester."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from actions.people import NewPerson, add_person
from actions.similar import join
from bot.ids import ActionId, BlockId, CallbackId
from store.models import OutboxMessage
from tests.slack.conftest import TRIAGE, Harness, blocks_text

DM = "DUCARLOS"
THREAD = "1800000000.000001"


def _card(slack: Harness, key: str, team: str = "L2") -> dict[str, Any]:
    slack.deliver()
    return slack.api.wait_for(lambda: next(
        (m for m in slack.api.messages.get(TRIAGE[team], []) if key in blocks_text(m)
         and not m.get("thread_ts")), None), what=f"the card of {key}")


def _opened(slack: Harness, method: str, count: int) -> dict[str, Any]:
    return slack.api.wait_calls(method, count)[-1].body


def _select(value: str) -> dict[str, Any]:
    return {"value": {"type": "static_select", "selected_option": {"value": value}}}


def _text(value: str | None) -> dict[str, Any]:
    return {"value": {"type": "plain_text_input", "value": value}}


def _ephemeral_to(slack: Harness, user: str, contains: str) -> dict[str, Any]:
    return slack.api.wait_for(lambda: next(
        (c.body for c in slack.api.calls_to("chat.postEphemeral")
         if c.body.get("user") == user and contains in str(c.body.get("text"))), None),
        what=f"an ephemeral answer with {contains!r}")


def _do(slack: Harness, user: str, text: str) -> str:
    """Send ``/ticket text`` and wait for its answer: commands run in the listeners' pool, so
    two sent back to back may otherwise run in either order."""
    before = len(slack.api.calls_to("respond"))
    slack.command(user, text)
    return str(slack.api.wait_calls("respond", before + 1)[before].body.get("text"))


def _history(slack: Harness, key: str) -> list[Any]:
    return list(slack.ticket(key).history)


def test_reply_form_offers_saved_replies_and_sends_one(slack: Harness) -> None:
    key = slack.open_ticket(slack.cast.carlos, "La VPN se cae cada 10 minutos",
                            ref=f"{DM}:{THREAD}", category="network").key
    opened = len(slack.api.calls_to("views.open"))
    slack.command("ULUIS", f"reply {key}")
    view = _opened(slack, "views.open", opened + 1)["view"]
    assert view["callback_id"] == CallbackId.REPLY_FORM
    select = next(b for b in view["blocks"] if b["block_id"] == BlockId.SAVED_REPLY)
    options = [o["value"] for o in select["element"]["options"]]
    assert "vpn-reset" in options and "password-reset" in options
    # Nothing picked, nothing typed: the form says so and stays open.
    empty = slack.submit("ULUIS", CallbackId.REPLY_FORM, {
        BlockId.REPLY_TEXT: _text(None), BlockId.VISIBILITY: _select("public")},
        metadata=view["private_metadata"])
    assert empty.status == 200 and "reply_text" in empty.body
    slack.submit("ULUIS", CallbackId.REPLY_FORM, {
        BlockId.SAVED_REPLY: _select("vpn-reset"), BlockId.REPLY_TEXT: _text("Luego me dices"),
        BlockId.VISIBILITY: _select("public")}, metadata=view["private_metadata"])
    slack.api.wait_for(lambda: any(e.type == "commented" for e in _history(slack, key)),
                       what="the saved reply sent")
    sent = [e for e in _history(slack, key) if e.type == "commented"][-1].payload["text"]
    assert sent.startswith("Hola Carlos, probemos a reiniciar tu perfil de VPN")
    assert sent.endswith("Luego me dices")
    slack.deliver()
    told = slack.api.wait_for(lambda: next((b for b in slack.api.calls_to("chat.postMessage")
                                            if b.body.get("channel") == DM
                                            and "FortiClient" in blocks_text(b.body)), None),
                              what="the reply in the requester's thread")
    assert told.body["thread_ts"] == THREAD
    # The card's "Reply" button opens the same form.
    card = _card(slack, key)
    opened = len(slack.api.calls_to("views.open"))
    slack.click("UANA", card, TRIAGE["L2"], ActionId.REPLY)
    assert _opened(slack, "views.open", opened + 1)["view"]["callback_id"] == \
        CallbackId.REPLY_FORM


def test_internal_chat_lives_in_the_card_thread(slack: Harness) -> None:
    key = slack.open_ticket(slack.cast.carlos, "El wifi de la sala B no funciona",
                            ref=f"{DM}:{THREAD}", category="network").key
    card = _card(slack, key)
    # A technician writes under the card: a private note with author and time.
    slack.event({"type": "message", "channel": TRIAGE["L2"], "channel_type": "channel",
                 "user": "ULUIS", "text": "Creo que es el AP-7, lo reinicio", "ts": "1800000001.1",
                 "thread_ts": card["ts"], "event_ts": "1800000001.1"})
    note = slack.api.wait_for(lambda: next((e for e in _history(slack, key)
                                            if e.type == "noted"), None), what="the note")
    assert note.visibility == "internal" and note.actor == "Luis Pérez"
    assert note.payload["text"] == "Creo que es el AP-7, lo reinicio"
    # A private note written elsewhere appears under the card (and only there).
    _do(slack, "UANA", f"note {key} El AP-7 tiene el firmware viejo")
    slack.deliver()
    under = slack.api.wait_for(lambda: next(
        (c.body for c in slack.api.calls_to("chat.postMessage")
         if c.body.get("thread_ts") == card["ts"] and "firmware" in blocks_text(c.body)), None),
        what="the note posted in the card's thread")
    assert under["channel"] == TRIAGE["L2"]
    # The note from the thread is not echoed back into it; nothing reached the requester.
    posts = [c.body for c in slack.api.calls_to("chat.postMessage")]
    assert not any("AP-7, lo reinicio" in blocks_text(b) for b in posts)
    assert not any(b.get("channel") == DM for b in posts)
    # An employee writing under the card is refused privately and writes nothing.
    slack.event({"type": "message", "channel": TRIAGE["L2"], "channel_type": "channel",
                 "user": "UCARLOS", "text": "¿ya está?", "ts": "1800000001.2",
                 "thread_ts": card["ts"], "event_ts": "1800000001.2"})
    _ephemeral_to(slack, "UCARLOS", "soporte")
    assert len([e for e in _history(slack, key) if e.type == "noted"]) == 2


def test_files_shared_in_the_thread_are_kept_with_the_ticket(slack: Harness) -> None:
    key = slack.open_ticket(slack.cast.carlos, "La impresora no imprime",
                            ref=f"{DM}:{THREAD}", category="hardware").key
    shared = {"id": "F0ERR", "name": "error.png", "title": "error.png", "size": 52011,
              "mimetype": "image/png", "url_private": "https://files.slack.com/F0ERR/error.png"}
    slack.event({"type": "message", "subtype": "file_share", "channel": DM, "channel_type": "im",
                 "user": "UCARLOS", "text": "este es el error", "ts": "1800000002.1",
                 "thread_ts": THREAD, "event_ts": "1800000002.1", "files": [shared]})
    # The message goes through the conversation first (the language model loads on first use).
    slack.api.wait_for(lambda: any(e.type == "attached" for e in _history(slack, key)),
                       timeout=60, what="the file recorded")
    shown = _do(slack, "UANA", f"show {key}")
    assert "error.png (50.8 KB) · image/png" in shown


def test_files_are_kept_in_the_turns_own_commit(slack: Harness,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A turn that dies after recording the file but before its commit keeps nothing; worked
    again, the file is kept once, with the answer to the message."""
    import actions.conversation.turn as turn

    key = slack.open_ticket(slack.cast.carlos, "La impresora no imprime",
                            ref=f"{DM}:{THREAD}", category="hardware").key
    real, tries = turn.queue_replies, []

    def dies_first(uow: Any, **kwargs: Any) -> None:
        tries.append(_attachments(uow.session))  # what the turn sees before its commit
        if len(tries) == 1:
            raise ConnectionError("the database went away before the commit")
        real(uow, **kwargs)

    monkeypatch.setattr(turn, "queue_replies", dies_first)
    shared = {"id": "F0LOG", "name": "error.log", "size": 2048, "mimetype": "text/plain",
              "url_private": "https://files.slack.com/F0LOG/error.log"}
    slack.event({"type": "message", "subtype": "file_share", "channel": DM, "channel_type": "im",
                 "user": "UCARLOS", "text": "el registro", "ts": "1800000003.1",
                 "thread_ts": THREAD, "event_ts": "1800000003.1", "files": [shared]})
    slack.api.wait_for(lambda: len(tries) >= 2 and any(
        e.type == "attached" for e in _history(slack, key)), timeout=90,
        what="the file kept by the turn worked again")
    assert tries[0] == ["error.log"]  # recorded inside the first turn, then rolled back
    with slack.services.session_factory() as session:
        assert _attachments(session) == ["error.log"]
    assert len([e for e in _history(slack, key) if e.type == "attached"]) == 1
    answers = slack.api.wait_for(lambda: [
        m for m in slack.api.messages.get(DM, []) if m.get("thread_ts") == THREAD], timeout=60,
        what="the answer in the thread")
    assert len(answers) == 1


def test_a_message_with_a_file_costs_no_more_commits_than_one_without(slack: Harness) -> None:
    """The inbox row, the turn (the comment, the file, the reply) and the reply's delivery.
    (The inbox heartbeat's lease renewals, while a busy machine loads the model, are not the
    message's work and are not counted.)"""
    import threading

    from sqlalchemy import event

    key = slack.open_ticket(slack.cast.carlos, "La impresora no imprime",
                            ref=f"{DM}:{THREAD}", category="hardware").key
    commits: list[Any] = []

    def counted(connection: Any) -> None:
        if threading.current_thread().name != "inbox-heartbeat":
            commits.append(connection)

    event.listen(slack.services.engine, "commit", counted)
    try:
        slack.event({"type": "message", "subtype": "file_share", "channel": DM,
                     "channel_type": "im", "user": "UCARLOS", "text": "el registro",
                     "ts": "1800000004.1", "thread_ts": THREAD, "event_ts": "1800000004.1",
                     "files": [{"id": "F0TXT", "name": "log.txt", "size": 10,
                                "url_private": "https://files.slack.com/F0TXT/log.txt"}]})
        slack.api.wait_for(lambda: any(e.type == "attached" for e in _history(slack, key))
                           and _outbox_settled(slack), timeout=90, what="the turn delivered")
    finally:
        event.remove(slack.services.engine, "commit", counted)
    assert len(commits) <= 3, len(commits)


def _outbox_settled(slack: Harness) -> bool:
    with slack.services.session_factory() as session:
        return all(s != "sending" for s in session.scalars(select(OutboxMessage.status)))


def _attachments(session: Any) -> list[str]:
    from store.models import Attachment

    return list(session.scalars(select(Attachment.name).order_by(Attachment.id)))


def test_iso_form_completes_the_record_and_kind_change_keeps_the_key(slack: Harness) -> None:
    key = slack.open_ticket(slack.cast.carlos, "Me llegó un correo raro pidiendo mi clave",
                            ref=f"{DM}:{THREAD}", category="email").key
    assert "SEC-1" in _do(slack, "ULUIS", f"kind {key} security")
    opened = len(slack.api.calls_to("views.open"))
    slack.command("ULUIS", f"iso {key}")  # the old key works too
    view = _opened(slack, "views.open", opened + 1)["view"]
    assert view["callback_id"] == CallbackId.ISO_FORM
    who = next(b for b in view["blocks"] if b["block_id"] == BlockId.SEC_WHO)
    assert who["element"]["initial_value"] == "Carlos Gómez"
    slack.submit("ULUIS", CallbackId.ISO_FORM, {
        BlockId.SEC_SEVERITY: _select("high"), BlockId.SEC_OWNER_ACTION: _text("Bloqueó el "
                                                                               "remitente"),
        BlockId.SEC_OWNER_LEARNED_AT: {"value": {"type": "datetimepicker",
                                                 "selected_date_time": 1800000000}}},
        metadata=view["private_metadata"])
    _ephemeral_to(slack, "ULUIS", "SEC-1")
    from actions.intake import security_record

    with slack.services.uow() as uow:
        record = security_record(uow, uow.tickets.get(key))
    assert record["severity"] == "high" and record["owner_action"] == "Bloqueó el remitente"
    assert int(record["owner_learned_at"].timestamp()) == 1800000000


def test_no_private_word_reaches_the_requester(slack: Harness) -> None:
    """A journey with notes, internal chat, a merge and an article draft; then every outbox row
    and every Slack call is read: none addressed to the requester holds an internal word."""
    carlos, emma = slack.cast.carlos, slack.cast.emma
    key = slack.open_ticket(carlos, "No hay red en la oficina 3", ref=f"{DM}:{THREAD}",
                            category="network").key
    dup = slack.open_ticket(emma, "No network in office 3", ref="DUEMMA:1800000000.000009",
                            category="network").key
    # A follower reached by email only (no Slack account): the same rule holds in that channel.
    olga = add_person(slack.services.uow(), NewPerson(name="Olga Ruiz",
                                                      addresses={"email": "olga@example.com"}))
    join(slack.services.uow(), key=key, person_id=olga.id)
    card = _card(slack, key)
    _do(slack, "ULUIS", f"note {key} PRIVADO-NOTA el switch está en garantía")
    slack.event({"type": "message", "channel": TRIAGE["L2"], "channel_type": "channel",
                 "user": "ULUIS", "text": "PRIVADO-CHAT mirad el log", "ts": "1800000003.1",
                 "thread_ts": card["ts"], "event_ts": "1800000003.1"})
    slack.api.wait_for(lambda: len([e for e in _history(slack, key) if e.type == "noted"]) == 2,
                       what="the internal chat recorded")
    _do(slack, "ULUIS", f"note {dup} PRIVADO-DUP cable suelto")
    assert "fusionado" in _do(slack, "ULUIS", f"merge {dup} INTO {key}")
    _do(slack, "ULUIS", f"reply {key} Estamos cambiando el switch")
    _do(slack, "ULUIS", f"resolve {key} Switch cambiado")
    assert "Borrador" in _do(slack, "ULUIS", f"kb {key}")
    slack.deliver()
    with slack.services.session_factory() as session:
        rows = session.query(OutboxMessage).all()
        outbox = [(r.recipient, json.dumps(r.context, ensure_ascii=False)) for r in rows]
        by_email = [r.template for r in rows if r.recipient.get("person_id") == olga.id]
    assert by_email and all(r.channel == "email" for r in rows
                            if r.recipient.get("person_id") == olga.id)
    requesters = {carlos.id, emma.id, olga.id}
    to_requesters = [text for recipient, text in outbox
                     if recipient.get("person_id") in requesters]
    assert to_requesters, "the requesters were told something"
    to_slack = [json.dumps(c.body, ensure_ascii=False) for c in slack.api.calls
                if c.method in ("chat.postMessage", "chat.update", "chat.postEphemeral")
                and (c.body.get("channel") in ("DUCARLOS", "DUEMMA")
                     or c.body.get("user") in ("UCARLOS", "UEMMA"))]
    assert any("Estamos cambiando el switch" in t for t in to_slack)
    for text in (*to_requesters, *to_slack):
        for secret in ("PRIVADO-", "Borrador", "garantía"):
            assert secret not in text, text[:300]
