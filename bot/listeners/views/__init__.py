"""Modal submissions: a ticket form, a security incident, a transfer, a survey comment.

Tickets typed in a form get a thread too: the confirmation is posted in the thread the form was
opened from, or else in a new message of the bot's DM with the person, and that thread becomes the
ticket's ``channel_ref``: later notices and replies live there as for any other ticket. The
confirmation, like every answer of these forms, is an outbox row of the form's unit of work.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from actions import outbound
from actions.commands import run_command
from actions.intake import NewTicket, open_ticket, record_security_details
from actions.services import Services
from actions.views import PersonView
from bot.blocks.modals import submitted
from bot.ids import BlockId, CallbackId
from bot.listeners import one_turn, person_of, services_of, view_metadata
from bot.slack import closure, outgoing
from bot.slack.text import labels, say

#: Severity of a security incident -> (impact, urgency) for the priority matrix.
SEVERITY_LEVELS = {"critical": ("high", "high"), "high": ("high", "medium"),
                   "medium": ("medium", "medium"), "low": ("low", "low")}


def _values(view: dict[str, Any]) -> dict[str, Any]:
    return (view.get("state") or {}).get("values") or {}


def _thread_for(client: WebClient, person: PersonView, metadata: dict[str, Any],
                placeholder: str) -> tuple[str, str]:
    """Where the new ticket's thread is: the form's origin, or a new DM message."""
    if metadata.get("channel") and metadata.get("thread_ts"):
        return metadata["channel"], metadata["thread_ts"]
    channel = client.conversations_open(users=person.address("slack"))["channel"]["id"]
    answer = client.chat_postMessage(channel=channel, text=placeholder)
    return answer["channel"], answer["ts"]


def _confirm(services: Services, person: PersonView, channel: str, thread_ts: str,
             text: str) -> None:
    """The confirmation in the ticket's thread: an outbox row of the ticket's own unit of work,
    posted right after it commits (and by the outbox worker if Slack fails then)."""
    outbound.reply(services, channel="slack", ref=f"{channel}:{thread_ts}", person_id=person.id,
                   replies=[{"text": text}])


def on_ticket_form(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext,
                   client: WebClient) -> None:
    ack()
    services = services_of(context)
    person = person_of(context, client, body["user"]["id"])
    services.commit_turn()
    values = _values(view)
    channel, ts = _thread_for(client, person, view_metadata(view),
                              say(services, "opening", person.language))
    ticket = open_ticket(services.uow(), services.settings, NewTicket(
        requester_id=person.id, description=submitted(values, BlockId.DESCRIPTION) or "",
        title=submitted(values, BlockId.TITLE) or None,
        category=submitted(values, BlockId.CATEGORY) or None,
        urgency=submitted(values, BlockId.URGENCY) or "medium",
        impact=submitted(values, BlockId.IMPACT) or "medium",
        channel="slack", channel_ref=f"{channel}:{ts}", language=person.language))
    _confirm(services, person, channel, ts,
             say(services, "ticket_opened", person.language, ticket=ticket))


def on_security_form(ack: Ack, body: dict[str, Any], view: dict[str, Any],
                     context: BoltContext, client: WebClient) -> None:
    ack()
    services = services_of(context)
    person = person_of(context, client, body["user"]["id"])
    values = _values(view)
    severity = submitted(values, BlockId.SEC_SEVERITY) or "medium"
    impact, urgency = SEVERITY_LEVELS.get(severity, ("medium", "medium"))
    services.commit_turn()
    channel, ts = _thread_for(client, person, view_metadata(view),
                              say(services, "opening", person.language))
    ticket = open_ticket(services.uow(), services.settings, NewTicket(
        requester_id=person.id, description=submitted(values, BlockId.DESCRIPTION) or "",
        kind="security", category="security", impact=impact, urgency=urgency,
        channel="slack", channel_ref=f"{channel}:{ts}", language=person.language))
    fields: dict[str, Any] = {
        "discovered_where": submitted(values, BlockId.SEC_WHERE),
        "discovered_by": submitted(values, BlockId.SEC_WHO) or person.name,
        "discoverer_action": submitted(values, BlockId.SEC_ACTION),
        "severity": severity,
    }
    when = submitted(values, BlockId.SEC_WHEN)
    if when:
        fields["discovered_at"] = datetime.fromtimestamp(int(when), tz=UTC)
    record_security_details(services.uow(), key=ticket.key, actor_id=person.id,
                            fields={k: v for k, v in fields.items() if v not in (None, "")})
    # The ticket, its ISO 27001 record and the confirmation commit together.
    _confirm(services, person, channel, ts,
             say(services, "security_opened", person.language, ticket=ticket))


def on_transfer_form(ack: Ack, body: dict[str, Any], view: dict[str, Any],
                     context: BoltContext, client: WebClient) -> None:
    values = _values(view)
    team, person_ref = submitted(values, BlockId.TEAM), submitted(values, BlockId.PERSON)
    services = services_of(context)
    if not team and not person_ref:
        lang = services.settings.language
        ack(response_action="errors",
            errors={BlockId.TEAM.value: labels(services, lang)("transfer_missing")})
        return
    ack()
    person = person_of(context, client, body["user"]["id"])
    metadata = view_metadata(view)
    key = str(metadata.get("key") or "")
    target = person_ref or team
    result = run_command(services, services.messages, actor_id=person.id,
                         text=f"transfer {key} {target}", lang=person.language)
    outgoing.tell(services, channel=metadata.get("channel"), user=body["user"]["id"],
                  text=result.text, language=person.language)
    if result.ok:
        outgoing.update_card(services, key)


def on_comment_form(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext,
                    client: WebClient) -> None:
    ack()
    services = services_of(context)
    person = person_of(context, client, body["user"]["id"])
    metadata = view_metadata(view)
    blocks = closure.comment(services, key=str(metadata.get("key") or ""), person_id=person.id,
                             text=submitted(_values(view), BlockId.COMMENT) or "",
                             lang=person.language)
    outgoing.update_message(services, channel=metadata.get("channel"), ts=metadata.get("ts"),
                            text=say(services, "commented", person.language,
                                     key=metadata.get("key")), blocks=blocks)


def register(app: App) -> None:
    app.view(CallbackId.TICKET_FORM.value)(one_turn(on_ticket_form))
    app.view(CallbackId.SECURITY_FORM.value)(one_turn(on_security_form))
    app.view(CallbackId.TRANSFER_FORM.value)(one_turn(on_transfer_form))
    app.view(CallbackId.SURVEY_COMMENT_FORM.value)(one_turn(on_comment_form))
