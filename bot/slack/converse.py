"""An employee's message (or suggestion click) through the conversation, answered in the thread.

The thread is the conversation's identity: ``ref`` = "<channel>:<thread_ts>", where a message that
is not in a thread yet starts one (its own ts). A ticket opened here keeps that ref, so every later
notice about it arrives in the same thread and replies there become comments.

The turn itself is ``actions.conversation.turn.converse``: one commit for the dedupe key, the
person, the state, the action's writes and the replies (outbox rows). This module only says how
Slack names things; the replies are posted by ``bot.slack.deliver`` right after the commit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient

from actions.attachments import FileRef
from actions.conversation.turn import FOLLOW_UP, Inbound, TurnResult
from actions.conversation.turn import converse as run_turn
from actions.services import Services
from actions.views import PersonView
from bot.blocks import fallback_text
from bot.blocks.conversation import turn_payloads

#: How long a question the bot asked in a DM thread stays open to an answer written outside it.
DM_FOLLOW_UP = FOLLOW_UP


def event_key(body: dict[str, Any]) -> str | None:
    """``slack:<event_id>`` for Events API envelopes; None for anything else."""
    if body.get("type") == "event_callback" and body.get("event_id"):
        return f"slack:{body['event_id']}"
    return None


def converse(services: Services, who: Callable[[], PersonView], *, channel: str,
             thread_ts: str, text: str, dedupe_key: str | None = None,
             direct: bool = False, files: list[dict[str, Any]] | None = None,
             user: str | None = None) -> TurnResult | None:
    """Run one turn in the thread; None when Slack re-sent an event already answered.

    ``who`` resolves the Slack user to a person inside the turn (``bot.listeners.person_of``).

    ``direct`` (a DM written outside any thread): if the bot asked something in another thread
    of this DM a moment ago and this answers it, the turn continues that thread and the reply
    is also shown in the DM itself, where the person typed.

    ``files`` (the event's shared files) are recorded on the thread's ticket in the turn's
    commit: Slack's retry of a turn that died records them then, and never twice.

    ``user``: the Slack user id ``who`` resolves, so a DM reads the person and the thread it
    may answer in one statement.
    """
    refs = tuple(FileRef.from_slack(f) for f in files or [] if isinstance(f, dict))
    inbound = Inbound(channel="slack", ref=f"{channel}:{thread_ts}", text=text,
                      messages=services.messages, dedupe_key=dedupe_key,
                      follow_up=f"{channel}:" if direct else None, files=refs,
                      starts_thread=direct, sender=("slack", user) if user else None)
    return run_turn(services, inbound, who)


def post_replies(client: WebClient, *, channel: str, thread_ts: str,
                 replies: list[dict[str, Any]], broadcast: bool = False,
                 metadata: list[dict[str, Any] | None] | None = None) -> None:
    """Post a turn's replies in the thread (``metadata[i]`` marks the i-th post)."""
    for n, (text, blocks) in enumerate(turn_payloads(replies)):
        marker = metadata[n] if metadata and n < len(metadata) else None
        client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=fallback_text(text),
                                blocks=blocks, unfurl_links=False, unfurl_media=False,
                                reply_broadcast=broadcast, metadata=marker)
