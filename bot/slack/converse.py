"""An employee's message (or suggestion click) through the conversation, answered in the thread.

The thread is the conversation's identity: ``ref`` = "<channel>:<thread_ts>", where a message that
is not in a thread yet starts one (its own ts). A ticket opened here keeps that ref, so every later
notice about it arrives in the same thread and replies there become comments.
"""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from actions.services import Services
from actions.views import PersonView
from bot.blocks import fallback_text, to_dicts
from bot.blocks.conversation import turn_messages


def converse(services: Services, client: WebClient, *, person: PersonView, channel: str,
             thread_ts: str, text: str) -> list[dict[str, Any]]:
    """Run one turn and post its replies in the thread; returns the replies."""
    from actions.conversation import handle_message

    ref = f"{channel}:{thread_ts}"
    replies = handle_message(services, channel="slack", ref=ref, person_id=person.id, text=text,
                             messages=services.messages, thread_ref=ref)
    post_replies(client, channel=channel, thread_ts=thread_ts, replies=replies)
    return replies


def post_replies(client: WebClient, *, channel: str, thread_ts: str,
                 replies: list[dict[str, Any]]) -> None:
    for text, blocks in turn_messages(replies):
        client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=fallback_text(text),
                                blocks=to_dicts(blocks), unfurl_links=False, unfurl_media=False)
