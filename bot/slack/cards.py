"""Triage cards: one message per ticket in its team's channel, edited in place as it changes.

Where a card lives (channel and ts) is kept by ``actions.cards`` (in the database), so any
process can update it, and a re-delivered "routed" notice edits the existing
card instead of posting a second one. The card is only re-sent when what it shows has changed.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient

from actions.card_posting import CardBusy, reserve_posting
from actions.cards import card_state, save_card, ticket_snapshot
from actions.services import Services
from bot.blocks import fallback_text, to_dicts
from bot.blocks.card import card_blocks, fingerprint
from bot.slack.text import labels, say

log = logging.getLogger(__name__)
CARD_MARK = "deskbot_card"

__all__ = ["CardBusy", "refresh_card", "show_card"]


def team_channel(services: Services, team: str | None) -> str:
    settings = services.settings.teams.get(team or "")
    return settings.slack_channel if settings else ""


def _render(services: Services, ticket: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    lang = services.settings.language
    text = say(services, "card", lang, ticket=ticket)
    blocks = card_blocks(text, key=ticket["key"], status=ticket["status"],
                         assigned=bool(ticket.get("assignee")), label=labels(services, lang))
    return fallback_text(text), to_dicts(blocks)


def show_card(services: Services, client: WebClient, ticket: dict[str, Any]) -> bool:
    """Post or update the card of ``ticket``; returns False when its team has no channel.

    A team change to a team with another channel retires the old card (buttons gone) and posts
    a new one in the new channel. Posting a card is reserved first (``reserve_posting``), so two
    processes working on one ticket at once post one card, not two.
    """
    key = ticket["key"]
    channel = team_channel(services, ticket.get("team"))
    state = card_state(services, key)
    mark = fingerprint(ticket)
    if state and state.get("channel") == channel and state.get("ts"):
        if state.get("fingerprint") != mark:
            text, blocks = _render(services, ticket)
            client.chat_update(channel=state["channel"], ts=state["ts"], text=text, blocks=blocks)
            save_card(services, key, {**state, "fingerprint": mark})
        return True
    if not channel and not (state and state.get("ts")):
        return False
    reserved = reserve_posting(services, key)
    if reserved is None:
        raise CardBusy(key)
    if reserved.get("ts") and reserved.get("channel") != channel:
        # moved to a team with another channel: the old card keeps the record only
        moved = say(services, "card_moved", services.settings.language, ticket=ticket)
        client.chat_update(channel=reserved["channel"], ts=reserved["ts"],
                           text=fallback_text(moved), blocks=[])
    if not channel:
        save_card(services, key, {})
        return False
    text, blocks = _render(services, ticket)
    try:
        found = _posted_before(client, channel, key) if reserved.get("taken_over") else None
        if found is not None:  # shown as it is now, whatever the dead process rendered
            client.chat_update(channel=found["channel"], ts=found["ts"], text=text,
                               blocks=blocks)
        else:
            answer = client.chat_postMessage(
                channel=channel, text=text, blocks=blocks,
                metadata={"event_type": CARD_MARK, "event_payload": {"card": key}})
            found = {"channel": answer["channel"], "ts": answer["ts"]}
    except Exception:
        save_card(services, key, {k: v for k, v in reserved.items() if k != "taken_over"})
        raise
    save_card(services, key, {"channel": found["channel"], "ts": found["ts"], "fingerprint": mark})
    return True


def _posted_before(client: WebClient, channel: str, key: str) -> dict[str, Any] | None:
    """The card a process that died after posting it left in the channel, if any."""
    answer = client.conversations_history(channel=channel, include_all_metadata=True, limit=100)
    for message in answer.get("messages") or []:
        payload = (message.get("metadata") or {}).get("event_payload") or {}
        if payload.get("card") == key:
            return {"channel": channel, "ts": message.get("ts")}
    return None


def refresh_card(services: Services, client: WebClient, key: str) -> None:
    """Bring an existing card up to date (no card yet: nothing to do)."""
    state = card_state(services, key)
    if state is None or not state.get("ts"):
        return  # no card, or one being posted right now (with the newest state)
    ticket = ticket_snapshot(services, key)
    if ticket is not None:
        show_card(services, client, ticket)
