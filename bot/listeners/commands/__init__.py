"""``/ticket``: the technicians' command language, answered privately to the caller.

The parsing, permissions and wording live in ``actions.commands`` (shared with the console); an
employee trying a technician sub-command gets the polite refusal it renders, and nothing is
written. A command that changed a ticket also brings its triage card up to date (through the
outbox, queued in the command's unit of work).
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from actions.commands import run_command
from bot.blocks import fallback_text, sections, to_dicts
from bot.listeners import one_turn, person_of, services_of
from bot.listeners.tech import open_form
from bot.slack import outgoing
from bot.slack.incoming import plain_text

READ_ONLY = frozenset({"help", "show", "mine", "queue", "replies", "search", "iso", "kb", ""})


def on_ticket(ack: Ack, command: dict[str, Any], respond: Respond, context: BoltContext,
              client: WebClient) -> None:
    ack()
    services = services_of(context)
    person = person_of(context, client, command["user_id"])
    result = run_command(services, services.messages, actor_id=person.id,
                         text=plain_text(command.get("text"), user_ids=True),
                         lang=person.language)
    if result.ok and result.ticket is not None and result.name not in READ_ONLY:
        outgoing.update_card(services, result.ticket.key)  # in the command's own commit
    services.commit_turn()
    if result.ok and result.modal and command.get("trigger_id"):
        open_form(services, client, trigger_id=command["trigger_id"], person=person,
                  modal=result.modal, channel=command.get("channel_id"))
        return
    respond(text=fallback_text(result.text), blocks=to_dicts(sections(result.text)),
            response_type="ephemeral" if result.ephemeral else "in_channel",
            replace_original=False)


def register(app: App) -> None:
    app.command("/ticket")(one_turn(on_ticket))
