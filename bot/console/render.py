"""Replies as terminal text: the message, then its buttons numbered across the whole turn.

``[1] Esto lo resolvió  [2] Abrir ticket``: the person types the number (or the button's text)
to press it. Numbering runs across all messages of one turn so every choice has one number.
"""

from __future__ import annotations

from typing import Any


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

