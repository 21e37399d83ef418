"""An employee's message (or suggestion click) through the conversation, answered in the thread.

The thread is the conversation's identity: ``ref`` = "<channel>:<thread_ts>", where a message that
is not in a thread yet starts one (its own ts). A ticket opened here keeps that ref, so every later
notice about it arrives in the same thread and replies there become comments.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import select

from actions.services import Services
from actions.views import PersonView
from bot.blocks import fallback_text, to_dicts
from bot.blocks.conversation import turn_messages
from store.models import Conversation

#: How long a question the bot asked in a DM thread stays open to an answer written outside it.
DM_FOLLOW_UP = timedelta(minutes=30)


def converse(services: Services, client: WebClient, *, person: PersonView, channel: str,
             thread_ts: str, text: str, broadcast: bool = False) -> list[dict[str, Any]]:
    """Run one turn and post its replies in the thread; returns the replies.

    ``broadcast`` also shows the replies in the channel itself (a DM answer written outside the
    thread it belongs to, so the person sees the answer where they typed).
    """
    from actions.conversation import handle_message

    ref = f"{channel}:{thread_ts}"
    replies = handle_message(services, channel="slack", ref=ref, person_id=person.id, text=text,
                             messages=services.messages, thread_ref=ref)
    post_replies(client, channel=channel, thread_ts=thread_ts, replies=replies,
                 broadcast=broadcast)
    return replies


#: Questions whose answer is free text: whatever the person writes next answers them. A yes or
#: a no written outside the thread answers nothing there: "ok" as a new DM must not confirm the
#: suggestions of an earlier problem (the deflection would be counted for nothing).
FREE_TEXT_ANSWERS = frozenset({"survey_comment", "security", "description", "detail", "handover"})


def waiting_dm_thread(services: Services, *, channel: str, person_id: int, text: str,
                      ) -> str | None:
    """The thread of this DM where the bot recently asked something this message answers.

    People often answer a DM outside the thread (a survey comment, what does not work).
    Without this the answer would start a new conversation that knows nothing of the question.
    Only free-text answers continue a thread this way; a yes or a no answers only in its thread.
    """
    from actions.common import now

    with services.session_factory() as session:
        row = session.scalars(
            select(Conversation)
            .where(Conversation.channel == "slack", Conversation.ref.like(f"{channel}:%"),
                   Conversation.person_id == person_id,
                   Conversation.updated_at >= now() - DM_FOLLOW_UP)
            .order_by(Conversation.updated_at.desc()).limit(1)
        ).first()
        awaiting = ((row.state or {}).get("slots") or {}).get("awaiting") if row else None
        ref = row.ref if row else ""
    if not awaiting:
        return None
    if awaiting not in FREE_TEXT_ANSWERS:
        return None
    return ref.split(":", 1)[1]


def post_replies(client: WebClient, *, channel: str, thread_ts: str,
                 replies: list[dict[str, Any]], broadcast: bool = False) -> None:
    for text, blocks in turn_messages(replies):
        client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=fallback_text(text),
                                blocks=to_dicts(blocks), unfurl_links=False, unfurl_media=False,
                                reply_broadcast=broadcast)
