"""Buttons: suggestions, triage card (Claim / Transfer), the ticket form, closure and survey.

A suggestion button's value is the conversation payload and is fed back to the conversation as
if typed. Closure and survey buttons are answered here: the use case checks that the clicker is
the requester and has not answered yet (a refusal reaches the error handler, which shows it only
to the clicker), then the message is edited so its buttons disappear.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.models.blocks import Block

from actions.commands import run_command
from actions.people import transfer_targets
from actions.services import Services
from bot.blocks.conversation import parse_payload
from bot.blocks.modals import comment_form, technician_options, ticket_form, transfer_form
from bot.ids import ActionId, pattern
from bot.listeners import one_turn, person_of, services_of
from bot.slack import closure, outgoing
from bot.slack.converse import converse
from bot.slack.text import labels, say
from store.errors import RoleRefused

TEAMS = ("L1", "L2", "L3")


def _where(body: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(channel, message ts, thread ts) of the message holding the clicked button.

    A click in an ephemeral message comes without ``message``: only the container says where.
    """
    message = body.get("message") or {}
    container = body.get("container") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
    ts = message.get("ts") or container.get("message_ts")
    return channel, ts, message.get("thread_ts") or container.get("thread_ts") or ts


def _ephemeral(services: Services, body: dict[str, Any], text: str, language: str) -> None:
    """Shown to the clicker only, once the click's unit of work has committed."""
    channel, _, thread_ts = _where(body)
    outgoing.tell(services, channel=channel, user=body["user"]["id"], text=text,
                  thread_ts=thread_ts, language=language)


def _without_buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in message.get("blocks") or [] if b.get("type") != "actions"]


def on_suggestion(ack: Ack, body: dict[str, Any], action: dict[str, Any],
                  context: BoltContext, client: WebClient) -> None:
    ack()
    services = services_of(context)
    channel, ts, thread_ts = _where(body)
    if (body.get("container") or {}).get("is_ephemeral"):  # chat.update cannot edit those
        outgoing.delete_ephemeral(services, response_url=body.get("response_url"))
    elif channel and ts:  # one answer per suggestion message: its buttons go away
        message = body.get("message") or {}
        outgoing.update_message(services, channel=channel, ts=ts,
                                text=message.get("text") or " ",
                                blocks=_without_buttons(message))
    converse(services, lambda: person_of(context, client, body["user"]["id"]),
             channel=channel or "", thread_ts=thread_ts or "", text=str(action.get("value") or ""))


def on_claim(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext,
             client: WebClient) -> None:
    ack()
    services = services_of(context)
    person = person_of(context, client, body["user"]["id"])
    key = str(action.get("value") or "")
    result = run_command(services, services.messages, actor_id=person.id, text=f"claim {key}",
                         lang=person.language)
    _ephemeral(services, body, result.text, person.language)
    if result.ok:
        outgoing.update_card(services, key)


def on_transfer(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext,
                client: WebClient) -> None:
    ack()
    services = services_of(context)
    person = person_of(context, client, body["user"]["id"])
    services.commit_turn()
    if not person.is_staff:
        raise RoleRefused("staff_only", action="transfer")
    key = str(action.get("value") or "")
    staff = transfer_targets(services.uow())
    channel, ts, _ = _where(body)
    view = transfer_form(labels(services, person.language), key=key, teams=TEAMS,
                         technicians=technician_options(staff),
                         metadata={"key": key, "channel": channel, "ts": ts})
    client.views_open(trigger_id=body["trigger_id"], view=view)


def on_open_form(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient,
                 ) -> None:
    ack()
    services = services_of(context)
    person = person_of(context, client, body["user"]["id"])
    services.commit_turn()
    channel, _, thread_ts = _where(body)
    metadata = {"channel": channel, "thread_ts": thread_ts} if channel else {}
    client.views_open(trigger_id=body["trigger_id"], view=ticket_form(
        labels(services, person.language), list(services.settings.categories),
        metadata=metadata))


def _closure_answer(kind: str):  # type: ignore[no-untyped-def]
    def listener(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext,
                 client: WebClient) -> None:
        ack()
        services = services_of(context)
        person = person_of(context, client, body["user"]["id"])
        _, entities = parse_payload(str(action.get("value") or ""))
        key = str(entities.get("ticket_key") or entities.get("key") or "")
        lang = person.language
        blocks: list[Block]
        if kind == "confirm":
            blocks = closure.confirm(services, key=key, person_id=person.id, lang=lang)
        elif kind == "reject":
            blocks = closure.reject(services, key=key, person_id=person.id, lang=lang)
        else:
            blocks = closure.rate(services, key=key, person_id=person.id,
                                  rating=entities.get("rating"), lang=lang,
                                  question_id=entities.get("question_id"))
        _replace(services, body, blocks)

    listener.__name__ = f"on_{kind}"
    return listener


def _replace(services: Services, body: dict[str, Any], blocks: list[Block]) -> None:
    """The answered message loses its buttons and shows the answer (through the outbox)."""
    channel, ts, _ = _where(body)
    if not channel or not ts:
        return  # nothing to edit (an ephemeral message is replaced through response_url)
    text = next((t.text for t in (getattr(b, "text", None) for b in blocks) if t), " ")
    outgoing.update_message(services, channel=channel, ts=ts, text=text, blocks=blocks)


def on_survey_comment(ack: Ack, body: dict[str, Any], action: dict[str, Any],
                      context: BoltContext, client: WebClient) -> None:
    ack()
    services = services_of(context)
    person = person_of(context, client, body["user"]["id"])
    key = str(action.get("value") or "")
    requester = closure.requester_of(services, key)
    if requester != person.id:
        _ephemeral(services, body, say(services, "only_requester", person.language),
                   person.language)
        return
    services.commit_turn()
    channel, ts, _ = _where(body)
    client.views_open(trigger_id=body["trigger_id"], view=comment_form(
        labels(services, person.language), metadata={"key": key, "channel": channel, "ts": ts}))


def register(app: App) -> None:
    app.action(pattern(ActionId.CONVERSATION))(one_turn(on_suggestion))
    app.action(ActionId.CLAIM.value)(one_turn(on_claim))
    app.action(ActionId.TRANSFER.value)(one_turn(on_transfer))
    app.action(pattern(ActionId.OPEN_TICKET_FORM))(one_turn(on_open_form))
    app.action(pattern(ActionId.CONFIRM))(one_turn(_closure_answer("confirm")))
    app.action(pattern(ActionId.REJECT))(one_turn(_closure_answer("reject")))
    app.action(pattern(ActionId.RATE))(one_turn(_closure_answer("rate")))
    app.action(ActionId.SURVEY_COMMENT.value)(one_turn(on_survey_comment))

