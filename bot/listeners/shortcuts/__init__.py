"""Shortcuts: "open a ticket" and "report a security incident" (global), "ticket from this
message" (message shortcut, the message's text pre-filled as the description)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.blocks.modals import security_form, ticket_form
from bot.ids import CallbackId
from bot.listeners import one_turn, person_of, services_of
from bot.slack.incoming import plain_text
from bot.slack.text import labels


def on_open_ticket(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient,
                   ) -> None:
    ack()
    services = services_of(context)
    person = person_of(context, client, body["user"]["id"])
    services.commit_turn()
    text = plain_text((body.get("message") or {}).get("text"))
    client.views_open(trigger_id=body["trigger_id"], view=ticket_form(
        labels(services, person.language), list(services.settings.categories), description=text))


def on_security(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    ack()
    services = services_of(context)
    person = person_of(context, client, body["user"]["id"])
    services.commit_turn()
    client.views_open(trigger_id=body["trigger_id"], view=security_form(
        labels(services, person.language), reporter=person.name))


def register(app: App) -> None:
    app.shortcut(CallbackId.OPEN_TICKET_SHORTCUT.value)(one_turn(on_open_ticket))
    app.shortcut(CallbackId.MESSAGE_TICKET_SHORTCUT.value)(one_turn(on_open_ticket))
    app.shortcut(CallbackId.SECURITY_SHORTCUT.value)(one_turn(on_security))
