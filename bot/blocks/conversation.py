"""The conversation's replies (Rasa dispatcher-style dicts) as Block Kit.

A reply is ``{"text", "buttons": [{"title", "payload"}], "custom": {...}}``. Its text was rendered
from a mrkdwn template (user text already escaped). Buttons keep their Rasa payload as value, so a
click is fed back to the conversation unchanged; closure and survey payloads get their own action
ids because the Slack channel answers them itself (requester check, message updated in place).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from slack_sdk.models.blocks import ActionsBlock, Block

from bot.blocks import (
    MESSAGE_BLOCKS,
    actions_dict,
    button,
    button_dict,
    section_dicts,
    sections,
    within,
)
from bot.ids import ActionId, indexed

#: Rasa intent of a button payload -> the Slack action that handles it.
ACTION_FOR_INTENT = {
    "confirm": ActionId.CONFIRM,
    "reject": ActionId.REJECT,
    "rate": ActionId.RATE,
}
ACTIONS_PER_BLOCK = 25
_B = TypeVar("_B")  # a block, as an object or as a dict
_E = TypeVar("_E")  # a button, likewise


def parse_payload(payload: str) -> tuple[str, dict[str, Any]]:
    """``'/rate{"rating": 5}'`` -> ``("rate", {"rating": 5})``; plain text -> ``("", {})``."""
    if not payload.startswith("/"):
        return "", {}
    body = payload[1:]
    brace = body.find("{")
    if brace == -1:
        return body.strip(), {}
    try:
        entities = json.loads(body[brace:])
    except json.JSONDecodeError:
        entities = {}
    return body[:brace].strip(), entities if isinstance(entities, dict) else {}


def action_for(payload: str) -> ActionId:
    intent, _ = parse_payload(payload)
    return ACTION_FOR_INTENT.get(intent, ActionId.CONVERSATION)


def reply_blocks(reply: dict[str, Any], first: int = 0) -> list[Block]:
    """One reply: its text as sections, its buttons in actions blocks (25 per block).

    Buttons are numbered from ``first`` so that action ids stay unique in a message holding
    several replies.
    """
    return _reply(reply, first, sections, button,
                  lambda elements: ActionsBlock(elements=elements))


def reply_dicts(reply: dict[str, Any], first: int = 0) -> list[dict[str, Any]]:
    """``reply_blocks`` already serialised (what ``to_dicts`` makes of it), built as plain
    dicts: the reply a delivery thread posts for every turn, without slack_sdk's objects."""
    return _reply(reply, first, section_dicts, button_dict, actions_dict)


def _reply(reply: dict[str, Any], first: int, text_blocks: Callable[[str], Sequence[_B]],
           make_button: Callable[..., _E], actions: Callable[[list[_E]], _B]) -> list[_B]:
    """The layout both ``reply_blocks`` and ``reply_dicts`` build, with their builders."""
    blocks: list[_B] = []
    text = str(reply.get("text") or "")
    if text.strip():
        blocks.extend(text_blocks(text))
    buttons = [b for b in reply.get("buttons") or [] if b.get("payload")]
    elements = []
    for index, item in enumerate(buttons):
        payload = str(item["payload"])
        style = "primary" if index == 0 and len(buttons) > 1 else None
        action_id = indexed(action_for(payload), first + index)
        elements.append(make_button(str(item.get("title") or payload), action_id, payload,
                                    style=style))
    for start in range(0, len(elements), ACTIONS_PER_BLOCK):
        blocks.append(actions(elements[start:start + ACTIONS_PER_BLOCK]))
    return blocks


def has_content(reply: dict[str, Any]) -> bool:
    return bool(str(reply.get("text") or "").strip() or reply.get("buttons"))


def button_count(reply: dict[str, Any]) -> int:
    return len([b for b in reply.get("buttons") or [] if b.get("payload")])


def turn_messages(replies: list[dict[str, Any]], limit: int = MESSAGE_BLOCKS,
                  ) -> list[tuple[str, list[Block]]]:
    """A turn's replies as few Slack messages as possible: (fallback text, blocks) each.

    One message per turn keeps within Slack's one-message-per-second pace; a turn too long for
    one message's 50 blocks continues in the next.
    """
    return _grouped(replies, limit, reply_blocks)


def turn_payloads(replies: list[dict[str, Any]], limit: int = MESSAGE_BLOCKS,
                  ) -> list[tuple[str, list[dict[str, Any]]]]:
    """``turn_messages`` with each message's blocks serialised as ``to_dicts`` does (within
    ``limit``), built directly as dicts: what ``chat.postMessage`` sends for a turn."""
    return [(text, within(blocks, limit))
            for text, blocks in _grouped(replies, limit, reply_dicts)]




def _grouped(replies: list[dict[str, Any]], limit: int,
             build: Callable[[dict[str, Any], int], Sequence[_B]],
             ) -> list[tuple[str, list[_B]]]:
    """The replies' blocks (``build(reply, first button number)``) grouped into messages."""
    out: list[tuple[str, list[_B]]] = []
    texts: list[str] = []
    blocks: list[_B] = []
    numbered = 0
    for reply in replies:
        if not has_content(reply):
            continue
        more = build(reply, numbered)
        if blocks and len(blocks) + len(more) > limit:
            out.append(("\n".join(texts), blocks))
            texts, blocks = [], []
        numbered += button_count(reply)
        texts.append(str(reply.get("text") or ""))
        blocks.extend(more)
    if blocks:
        out.append(("\n".join(texts), blocks))
    return out
