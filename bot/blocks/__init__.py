"""Pure Block Kit builders: rendered text and plain data in, ``slack_sdk.models.blocks`` out.

Nothing here queries the database or calls Slack. Builders return ``list[Block]``; ``to_dicts``
serialises them, which runs slack_sdk's own per-block validation, and enforces the limits slack_sdk
does not check (blocks per message or view).

The few shapes every conversation reply is made of (sections, buttons, actions) also have plain
dict builders (``section_dicts``, ``button_dict``, ``actions_dict``, ``within``): a busy desk
sends one reply per turn, and building slack_sdk objects only to serialise and validate them
again cost more CPU than the post itself. They give exactly what ``to_dicts`` gives for the same
input (keys in the same order, so the JSON is the same bytes), and keep within every limit a
validator would check by construction (text truncated, 25 elements per actions block).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
SECTION_TEXT = 3000
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
CONTEXT_TEXT = 3000
FALLBACK_TEXT = 3000
ELLIPSIS = "…"


def truncate(text: str, limit: int) -> str:
    """At most ``limit`` characters, ending in "…" when cut; never splits an ``&amp;`` escape."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:] and len(cut) - amp < 6:
        cut = cut[:amp]
    return cut + ELLIPSIS


def mrkdwn(text: str, limit: int = SECTION_TEXT) -> MarkdownTextObject:
    return MarkdownTextObject(text=truncate(text, limit) or " ")


def plain(text: str, limit: int = BUTTON_TEXT) -> PlainTextObject:
    return PlainTextObject(text=truncate(text, limit) or " ", emoji=True)


def section(text: str, *, block_id: str | None = None, accessory: Any = None) -> SectionBlock:
    return SectionBlock(text=mrkdwn(text), block_id=block_id, accessory=accessory)


def sections(text: str) -> list[Block]:
    """Long text as several sections, split on line breaks, each within the 3,000 limit."""
    return [section(chunk) for chunk in _section_chunks(text)]


def _section_chunks(text: str) -> list[str]:
    """The texts of ``sections``: split on line breaks, none over the limit or blank."""
    if len(text) <= SECTION_TEXT and "\n" not in text:  # the common case, without the walk
        return [text] if text.strip() else [" "]
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > SECTION_TEXT:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[: SECTION_TEXT - 1] + ELLIPSIS)
            line = ""
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > SECTION_TEXT:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current.strip() or not chunks:
        chunks.append(current)
    return [chunk for chunk in chunks if chunk.strip()] or [" "]


def section_dicts(text: str) -> list[dict[str, Any]]:
    """``to_dicts(sections(text))`` without building the objects."""
    return [{"text": {"text": truncate(chunk, SECTION_TEXT) or " ", "type": "mrkdwn"},
             "type": "section"} for chunk in _section_chunks(text)]


def context(text: str) -> ContextBlock:
    return ContextBlock(elements=[mrkdwn(text, CONTEXT_TEXT)])


def button(text: str, action_id: str, value: str = "", *, style: str | None = None,
           ) -> ButtonElement:
    if len(value) > BUTTON_VALUE:
        raise ValueError("button value over Slack's 2,000 characters")
    return ButtonElement(text=plain(text, BUTTON_TEXT), action_id=action_id,
                         value=value or None, style=style)


def button_dict(text: str, action_id: str, value: str = "", *, style: str | None = None,
                ) -> dict[str, Any]:
    """``button(...).to_dict()`` without building the object (same checks, same keys)."""
    if len(value) > BUTTON_VALUE:
        raise ValueError("button value over Slack's 2,000 characters")
    out: dict[str, Any] = {"action_id": action_id}
    if style:
        out["style"] = style
    out["text"] = {"emoji": True, "text": truncate(text, BUTTON_TEXT) or " ",
                   "type": "plain_text"}
    out["type"] = "button"
    if value:
        out["value"] = value
    return out


def actions_dict(elements: list[dict[str, Any]]) -> dict[str, Any]:
    """An actions block of already serialised elements (at most 25: the caller splits)."""
    return {"elements": elements, "type": "actions"}


def within(blocks: list[dict[str, Any]], limit: int = MESSAGE_BLOCKS) -> list[dict[str, Any]]:
    """``to_dicts``' limit for blocks already serialised: the tail becomes a "…" context line."""
    if len(blocks) <= limit:
        return blocks
    return [*blocks[: limit - 1], context(ELLIPSIS).to_dict()]


def to_dicts(blocks: Sequence[Block], limit: int = MESSAGE_BLOCKS) -> list[dict[str, Any]]:
    """Serialise (validating each block); over ``limit`` the tail becomes a "…" context line."""
    items = list(blocks)
    if len(items) > limit:
        items = [*items[: limit - 1], context(ELLIPSIS)]
    return [block.to_dict() for block in items]


def fallback_text(text: str) -> str:
    """The ``text`` sent beside blocks (notifications, screen readers)."""
    return truncate(text.strip() or " ", FALLBACK_TEXT)
