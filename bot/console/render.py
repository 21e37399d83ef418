"""Replies as terminal text: the message, then its buttons numbered across the whole turn.

``[1] Esto lo resolvió  [2] Abrir ticket``: the person types the number (or the button's text)
to press it. Numbering runs across all messages of one turn so every choice has one number.
"""

from __future__ import annotations

import re
from typing import Any

_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")
BOLD, ITALIC = ("\x1b[1m", "\x1b[22m"), ("\x1b[3m", "\x1b[23m")


def terminal(text: str) -> str:
    """Slack mrkdwn as a terminal shows it: ``*bold*`` in bold, ``_italic_`` in italics.

    Only whole marked spans change (``snake_case`` and ``2*3*4`` stay as typed); used when the
    console writes to a terminal, so piped output and tests keep the plain characters.
    """
    text = _BOLD.sub(lambda m: f"{BOLD[0]}{m.group(1)}{BOLD[1]}", text)
    return _ITALIC.sub(lambda m: f"{ITALIC[0]}{m.group(1)}{ITALIC[1]}", text)


def render_replies(replies: list[dict[str, Any]], start: int = 1,
                   ) -> tuple[list[str], list[dict[str, str]]]:
    """Text lines to print and the buttons in number order (button ``n`` is ``buttons[n-1]``)."""
    lines: list[str] = []
    buttons: list[dict[str, str]] = []
    for reply in replies:
        text = str(reply.get("text") or "").strip()
        if text:
            lines.extend(text.splitlines())
        shown = []
        for item in reply.get("buttons") or []:
            buttons.append(item)
            shown.append(f"[{start + len(buttons) - 1}] {item.get('title', '')}")
        if shown:
            lines.append("   " + "  ".join(shown))
    return lines, buttons

