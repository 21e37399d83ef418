"""Events API: direct messages, mentions, replies in the bot's threads, App Home.

Bolt acknowledges an event before its listener runs; each listener first records the envelope's
``event_id`` (``bot.slack.dedupe``) and stops there when Slack is re-sending an event it already
delivered. The bot answers every message in its thread. In channels it only listens to mentions
and to replies in threads it already owns (a conversation or a ticket), never to other chatter.
Messages written by bots (itself included), edits, deletions and other subtypes are ignored.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest
from slack_sdk import WebClient
from sqlalchemy import select

from bot.listeners import person_of, services_of
from bot.listeners.tech import record_files
from bot.slack.converse import converse, waiting_dm_thread
from bot.slack.dedupe import repeated
from bot.slack.home import publish_home
from bot.slack.incoming import plain_text, with_files
from store.models import Conversation, Ticket

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


def known_thread(services: Any, channel: str, thread_ts: str) -> bool:
    ref = f"{channel}:{thread_ts}"
    with services.session_factory() as session:
        found = session.scalar(select(Conversation.id).where(
            Conversation.channel == "slack", Conversation.ref == ref).limit(1))
        if found is None:
            found = session.scalar(select(Ticket.id).where(
                Ticket.channel == "slack", Ticket.channel_ref == ref).limit(1))
        return found is not None


def on_message(event: dict[str, Any], body: dict[str, Any], request: BoltRequest,
               context: BoltContext, client: WebClient) -> None:
    if not written_by_person(event, context.bot_user_id):
        return
    services = services_of(context)
    channel, text = event["channel"], event.get("text") or ""
    thread_ts = event.get("thread_ts") or event["ts"]
    if event.get("channel_type") != "im":
        mentioned = context.bot_user_id and f"<@{context.bot_user_id}" in text
        if mentioned or not event.get("thread_ts") or not known_thread(services, channel,
                                                                        thread_ts):
            return  # mentions arrive as app_mention; other channel chatter is not for us
    if repeated(services, body, request.headers):
        return
    person = person_of(context, client, event["user"])
    broadcast = False
    text = with_files(strip_mention(text, context.bot_user_id), event.get("files"))
    if event.get("channel_type") == "im" and not event.get("thread_ts"):
        waiting = waiting_dm_thread(services, channel=channel, person_id=person.id, text=text)
        if waiting is not None:
            thread_ts, broadcast = waiting, True
    converse(services, client, person=person, channel=channel, thread_ts=thread_ts,
             text=text, broadcast=broadcast)
    record_files(services, channel=channel, thread_ts=thread_ts, person=person,
                 files=event.get("files"))


def on_mention(event: dict[str, Any], body: dict[str, Any], request: BoltRequest,
               context: BoltContext, client: WebClient) -> None:
    if not written_by_person(event, context.bot_user_id) or repeated(
            services_of(context), body, request.headers):
        return
    person = person_of(context, client, event["user"])
    converse(services_of(context), client, person=person, channel=event["channel"],
             thread_ts=event.get("thread_ts") or event["ts"],
             text=with_files(strip_mention(event.get("text") or "", context.bot_user_id),
                             event.get("files")))


def on_home_opened(event: dict[str, Any], body: dict[str, Any], request: BoltRequest,
                   context: BoltContext, client: WebClient) -> None:
    if event.get("tab", "home") != "home" or repeated(services_of(context), body,
                                                      request.headers):
        return
    person = person_of(context, client, event["user"])
    publish_home(services_of(context), client, person)


def register(app: App) -> None:
    app.event("message")(on_message)
    app.event("app_mention")(on_mention)
    app.event("app_home_opened")(on_home_opened)
