"""Technician tools in Slack: the reply and ISO 27001 forms, the internal chat under each triage
card, and files shared in a ticket's thread.

* ``/ticket reply INC-1`` (no text) and ``/ticket iso SEC-1`` open a form (``open_form``, called
  by the ``/ticket`` listener with the command's ``trigger_id``); their submissions run the same
  use cases as the typed commands.
* A technician's message in the thread under a ticket's card (the team's triage channel) becomes a
  private note on the ticket. The card is found by reading the thread's parent message (the bot's
  own, naming the ticket's key), so no Slack detail is stored for it.
* Files shared with a message in a ticket's thread are recorded on the ticket.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from actions.attachments import FileRef, attach
from actions.chat import note_from_thread
from actions.commands import run_command
from actions.dedupe import first_delivery
from actions.intake import record_security_details
from actions.replies import expand_for
from actions.services import Services
from actions.views import PersonView
from bot.blocks.modals import submitted
from bot.blocks.tech_modals import iso_form, iso_values, reply_form
from bot.ids import ActionId, BlockId, CallbackId
from bot.listeners import one_turn, person_of, services_of, view_metadata
from bot.slack import outgoing
from bot.slack.converse import event_key
from bot.slack.incoming import plain_text, with_files
from bot.slack.text import labels, say
from store.errors import DeskError

KEY = re.compile(r"\b(?:INC|REQ|SEC)-\d+\b")


def open_form(services: Services, client: WebClient, *, trigger_id: str, person: PersonView,
              modal: dict[str, Any], channel: str | None) -> None:
    """Open the form a ``/ticket`` command asked for (``CommandResult.modal``)."""
    label = labels(services, person.language)
    metadata = {"key": modal["key"], "channel": channel}
    if modal["form"] == "reply":
        view = reply_form(label, key=modal["key"], replies=modal.get("replies") or [],
                          metadata=metadata)
    else:
        view = iso_form(label, key=modal["key"], record=modal.get("record") or {},
                        metadata=metadata)
    client.views_open(trigger_id=trigger_id, view=view)


def on_card_reply(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext,
                  client: WebClient) -> None:
    """"Reply" on a triage card: the reply form, as ``/ticket reply KEY`` opens it."""
    ack()
    services = services_of(context)
    person = person_of(context, client, body["user"]["id"])
    key = str(action.get("value") or "")
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id")
    result = run_command(services, services.messages, actor_id=person.id, text=f"reply {key}",
                         lang=person.language)
    if result.ok and result.modal:
        services.commit_turn()
        open_form(services, client, trigger_id=body["trigger_id"], person=person,
                  modal=result.modal, channel=channel)
    else:
        _tell(services, body, channel, result.text, person.language)


def _tell(services: Services, body: dict[str, Any], channel: Any, text: str,
          language: str) -> None:
    """Shown to the technician only, once the unit of work has committed (by the outbox)."""
    outgoing.tell(services, channel=str(channel) if channel else None, user=body["user"]["id"],
                  text=text, language=language)


def on_reply_form(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext,
                  client: WebClient) -> None:
    services = services_of(context)
    values = (view.get("state") or {}).get("values") or {}
    saved = submitted(values, BlockId.SAVED_REPLY)
    text = (submitted(values, BlockId.REPLY_TEXT) or "").strip()
    person = person_of(context, client, body["user"]["id"])
    if not saved and not text:
        ack(response_action="errors", errors={BlockId.REPLY_TEXT.value: labels(
            services, person.language)("reply_missing")})
        return
    ack()
    metadata = view_metadata(view)
    key = str(metadata.get("key") or "")
    private = submitted(values, BlockId.VISIBILITY) == "private"
    wanted = f"::{saved} {text}".strip() if saved else text
    try:
        body_text = expand_for(services.uow(), services.settings, key=key, actor_id=person.id,
                               text=wanted)
    except DeskError as error:
        _tell(services, body, metadata.get("channel"),
              services.messages.error(error, person.language), person.language)
        return
    verb = "note" if private else "reply"
    result = run_command(services, services.messages, actor_id=person.id,
                         text=f"{verb} {key} {body_text}", lang=person.language)
    _tell(services, body, metadata.get("channel"), result.text, person.language)
    if result.ok:
        outgoing.update_card(services, key)


def on_iso_form(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext,
                client: WebClient) -> None:
    ack()
    services = services_of(context)
    person = person_of(context, client, body["user"]["id"])
    metadata = view_metadata(view)
    key = str(metadata.get("key") or "")
    fields = iso_values((view.get("state") or {}).get("values") or {})
    if not fields:
        return
    record_security_details(services.uow(), key=key, actor_id=person.id, fields=fields)
    _tell(services, body, metadata.get("channel"),
          say(services, "iso_saved", person.language, key=key), person.language)


# --- the internal chat ------------------------------------------------------------------------
def in_triage_thread(event: dict[str, Any], context: BoltContext) -> bool:
    """A person's reply in a thread of a team's triage channel (where the cards are)."""
    thread_ts = event.get("thread_ts")
    if not thread_ts or thread_ts == event.get("ts"):
        return False  # not a reply in a thread (every direct message): no settings to read
    teams = services_of(context).settings.teams.values()
    return (event.get("channel") in {t.slack_channel for t in teams if t.slack_channel}
            and not event.get("bot_id") and event.get("subtype") in (None, "file_share")
            and bool(event.get("user")) and event.get("user") != context.bot_user_id)


def _card_key(client: WebClient, channel: str, thread_ts: str, bot_user_id: str | None,
              ) -> str | None:
    """The key named by the bot's card that starts this thread (None: not a card's thread)."""
    answer = client.conversations_replies(channel=channel, ts=thread_ts, limit=1)
    parent = next((m for m in answer.get("messages") or [] if m.get("ts") == thread_ts), None)
    if parent is None or (bot_user_id and parent.get("user") not in (bot_user_id, None)):
        return None
    found = KEY.search(str(parent.get("text") or ""))
    return found.group(0) if found else None


def on_triage_thread(event: dict[str, Any], body: dict[str, Any], context: BoltContext,
                     client: WebClient) -> None:
    """One turn: the delivery's key, the person, the note and its files commit together (a
    re-sent event finds its key taken and does nothing). The card is read from Slack first,
    outside the transaction."""
    services = services_of(context)
    channel, thread_ts = event["channel"], event["thread_ts"]
    key = _card_key(client, channel, thread_ts, context.bot_user_id)
    if key is None:
        return  # a thread that is not under a card: chatter among colleagues
    files = [FileRef.from_slack(f) for f in event.get("files") or [] if isinstance(f, dict)]
    text = with_files(plain_text(event.get("text")), event.get("files"))
    delivery = event_key(body)
    with services.turn() as turn:
        if delivery and not first_delivery(turn, delivery):
            return
        person = person_of(context, client, event["user"])
        note_from_thread(services.uow(), key=key, actor_id=person.id, text=text,
                         message_ref=f"{channel}:{event.get('ts')}")
        if files:
            attach(services.uow(), key=key, actor_id=person.id, files=files, source="slack")
        turn.commit()


def register_events(app: App) -> None:
    """Registered before the general message listener, so card threads come here first."""
    app.event("message", matchers=[in_triage_thread])(on_triage_thread)


def register(app: App) -> None:
    """The technicians' buttons and forms (the thread listener: ``register_events``)."""
    app.action(ActionId.REPLY.value)(one_turn(on_card_reply))
    app.view(CallbackId.REPLY_FORM.value)(one_turn(on_reply_form))
    app.view(CallbackId.ISO_FORM.value)(one_turn(on_iso_form))
