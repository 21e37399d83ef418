"""The triage card posted in a team's channel for each new ticket, updated in place later."""

from __future__ import annotations

from collections.abc import Callable

from slack_sdk.models.blocks import ActionsBlock, Block

from bot.blocks import button, sections
from bot.ids import ActionId

#: Statuses in which a technician can still claim or transfer the ticket from its card.
WORKABLE = ("new", "open", "in_progress", "pending")
#: ... and say which knowledge-base article answers it (until it is closed).
ANSWERABLE = (*WORKABLE, "resolved")


def card_blocks(text: str, *, key: str, status: str, assigned: bool,
                label: Callable[[str], str]) -> list[Block]:
    """The card's text, then Claim (while nobody has it), Transfer and Reply (the reply form,
    with the saved replies) while it is workable, and "an article answers it" until it is
    closed."""
    blocks: list[Block] = list(sections(text))
    elements = []
    if status in WORKABLE and not assigned:
        elements.append(button(label("card_claim"), ActionId.CLAIM, key, style="primary"))
    if status in WORKABLE:
        elements.append(button(label("card_transfer"), ActionId.TRANSFER, key))
        elements.append(button(label("card_reply"), ActionId.REPLY, key))
    if status in ANSWERABLE:
        elements.append(button(label("card_article"), ActionId.ARTICLE, key))
    if elements:
        blocks.append(ActionsBlock(block_id=f"card:{key}"[:255], elements=elements))
    return blocks


def fingerprint(ticket: dict) -> str:  # type: ignore[type-arg]
    """What the card shows; the card is only re-sent to Slack when this changes."""
    fields = ("status", "priority", "team", "assignee", "title", "category", "response_due_at",
              "resolution_due_at", "first_response_at", "paused_at", "sla_breached",
              "followers")
    return "|".join(str(ticket.get(name) or "") for name in fields)
