"""Triage cards: one message per ticket in its team's channel, edited in place as it changes.

Where a card lives (channel and ts) is kept by ``actions.cards`` (in the database), so any
process can update it, and a re-delivered "routed" notice edits the existing
card instead of posting a second one. The card is only re-sent when what it shows has changed.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient

from actions.cards import card_state, save_card, ticket_snapshot
from actions.services import Services
from bot.blocks import fallback_text, to_dicts
from bot.blocks.card import card_blocks, fingerprint
from bot.slack.text import labels, say

log = logging.getLogger(__name__)


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
    a new one in the new channel.
    """
    key = ticket["key"]
    channel = team_channel(services, ticket.get("team"))
    state = card_state(services, key)
    mark = fingerprint(ticket)
    if state and state.get("channel") == channel:
        if state.get("fingerprint") != mark:
            text, blocks = _render(services, ticket)
            client.chat_update(channel=state["channel"], ts=state["ts"], text=text, blocks=blocks)
            save_card(services, key, {**state, "fingerprint": mark})
        return True
    if state:  # moved to a team with another channel: the old card keeps the record only
        moved = say(services, "card_moved", services.settings.language, ticket=ticket)
        client.chat_update(channel=state["channel"], ts=state["ts"], text=fallback_text(moved),
                           blocks=[])
    if not channel:
        return False
    text, blocks = _render(services, ticket)
    answer = client.chat_postMessage(channel=channel, text=text, blocks=blocks)
    save_card(services, key,
              {"channel": answer["channel"], "ts": answer["ts"], "fingerprint": mark})
    return True


def refresh_card(services: Services, client: WebClient, key: str) -> None:
    """Bring an existing card up to date (no card yet: nothing to do)."""
    if card_state(services, key) is None:
        return
    ticket = ticket_snapshot(services, key)
    if ticket is not None:
        show_card(services, client, ticket)
