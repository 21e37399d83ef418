"""Events API: direct messages, mentions, replies in the bot's threads, App Home.

Bolt acknowledges an event before its listener runs. The listener only decides whether the event
is for the desk and hands it to one conversation turn (``bot.slack.converse``), which records the
envelope's ``event_id`` in the same commit as the work: a re-sent event that was already worked
does nothing, and one whose first delivery died before its commit is worked now. The bot answers
every message in its thread. In channels it only listens to mentions and to replies in threads it
already owns (a conversation or a ticket), never to other chatter. Messages written by bots
(itself included), edits, deletions and other subtypes are ignored.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest
from slack_sdk import WebClient

from actions.conversation.turn import known_conversation
from actions.dedupe import first_delivery
from bot.listeners import person_of, services_of
from bot.slack import outgoing
from bot.slack.converse import converse, event_key
from bot.slack.incoming import plain_text, with_files

log = logging.getLogger(__name__)

#: Message subtypes that are still a person writing to us.
PERSON_SUBTYPES = frozenset({None, "file_share", "thread_broadcast"})


def written_by_person(event: dict[str, Any], bot_user_id: str | None) -> bool:
    if event.get("bot_id") or event.get("subtype") not in PERSON_SUBTYPES:
        return False
    user = event.get("user")
    return bool(user) and user != bot_user_id


def strip_mention(text: str, bot_user_id: str | None) -> str:
    """The text without the ``<@BOT>`` that addressed it, decoded to plain text."""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(\|[^>]*)?>", " ", text)
    return plain_text(text).strip()


def _skipped(body: dict[str, Any], request: BoltRequest) -> None:
    retry = (request.headers.get("x-slack-retry-num") or ["0"])[0]
    log.info("repeated delivery of %s (retry %s) skipped", event_key(body), retry)


def on_message(event: dict[str, Any], body: dict[str, Any], request: BoltRequest,
               context: BoltContext, client: WebClient) -> None:
    if not written_by_person(event, context.bot_user_id):
        return
    services = services_of(context)
    channel, text = event["channel"], event.get("text") or ""
    thread_ts = event.get("thread_ts") or event["ts"]
    direct = event.get("channel_type") == "im"
    if not direct:
        mentioned = context.bot_user_id and f"<@{context.bot_user_id}" in text
        if mentioned or not event.get("thread_ts") or not known_conversation(
                services, channel="slack", ref=f"{channel}:{thread_ts}"):
            return  # mentions arrive as app_mention; other channel chatter is not for us
    text = with_files(strip_mention(text, context.bot_user_id), event.get("files"))
    result = converse(services, lambda: person_of(context, client, event["user"]),
                      channel=channel, thread_ts=thread_ts, text=text,
                      dedupe_key=event_key(body), direct=direct and not event.get("thread_ts"),
                      files=event.get("files"), user=event["user"])
    if result is None:
        _skipped(body, request)


def on_mention(event: dict[str, Any], body: dict[str, Any], request: BoltRequest,
               context: BoltContext, client: WebClient) -> None:
    if not written_by_person(event, context.bot_user_id):
        return
    result = converse(services_of(context), lambda: person_of(context, client, event["user"]),
                      channel=event["channel"], thread_ts=event.get("thread_ts") or event["ts"],
                      text=with_files(strip_mention(event.get("text") or "",
                                                    context.bot_user_id), event.get("files")),
                      dedupe_key=event_key(body), files=event.get("files"))
    if result is None:
        _skipped(body, request)


def on_home_opened(event: dict[str, Any], body: dict[str, Any], request: BoltRequest,
                   context: BoltContext, client: WebClient) -> None:
    if event.get("tab", "home") != "home":
        return
    services = services_of(context)
    key = event_key(body)
    with services.turn() as uow:
        if key and not first_delivery(uow, key):
            _skipped(body, request)
            return
        person = person_of(context, client, event["user"])
        outgoing.update_home(services, person)  # drawn right after the commit
        uow.commit()


def register(app: App) -> None:
    app.event("message")(on_message)
    app.event("app_mention")(on_mention)
    app.event("app_home_opened")(on_home_opened)
