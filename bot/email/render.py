"""Mail that reads like mail: subject, text and HTML parts from the email channel's templates.

Templates live with the channel (``bot/email/templates/<lang>/{mail,notify}.j2`` for the text,
``layout.html.j2`` for the HTML part). The text is rendered in the plain flavour; conversation
replies rendered elsewhere pass through ``unmark`` so no chat markup (``*INC-1*``, ``:warning:``)
reaches a mail client. The HTML part is built from the same text with autoescaping on, so
anything a person wrote (``<script>``, ``<b>``) is shown as text, never interpreted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from actions.messages import TEMPLATES as DESK_TEMPLATES
from actions.messages import Messages

TEMPLATES = Path(__file__).resolve().parent / "templates"
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")
_STRIKE = re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])")
_SHORTCODE = re.compile(r"(?<!\w):[a-z0-9_+\-]+:(?!\w)\s?")


def unmark(text: str) -> str:
    """Chat emphasis and emoji shortcodes removed: ``*INC-1*`` -> ``INC-1``."""
    text = _SHORTCODE.sub("", str(text or ""))
    for pattern in (_BOLD, _ITALIC, _STRIKE):
        text = pattern.sub(r"\1", text)
    return text


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


class MailRenderer:
    """Renders the desk's mails in the recipient's language."""

    def __init__(self, directory: Path = TEMPLATES) -> None:
        # the desk's templates after the mail's own: a mail says what the conversation says
        # (``{% from "es/conversation.j2" import security_advice %}``)
        self.messages = Messages("plain", directory=directory).add_templates(DESK_TEMPLATES)
        self.messages.env.filters["unmark"] = unmark
        self.html = Environment(loader=FileSystemLoader(str(directory)), autoescape=True,
                                undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)

    def has(self, name: str, lang: str) -> bool:
        return self.messages.has(name, lang)

    def text(self, name: str, lang: str, **context: Any) -> str:
        return self.messages.render(name, lang, **context)

    def mail(self, lang: str, *, subject: str, body: str, footer: str) -> Rendered:
        """The two parts of one mail: text (with the signature separator) and HTML."""
        subject = " ".join(subject.split())[:250]
        body = re.sub(r"\n{3,}", "\n\n", body.strip())
        text = f"{body}\n\n-- \n{footer.strip()}\n"
        html = self.html.get_template("layout.html.j2").render(
            lang=Messages.language(lang), subject=subject, blocks=blocks(body),
            footer=footer.strip().splitlines())
        return Rendered(subject, text, html)


def blocks(text: str) -> list[dict[str, Any]]:
    """Paragraphs (split on blank lines), quoted lines (``> ``) as their own blocks."""
    out: list[dict[str, Any]] = []
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        current: dict[str, Any] | None = None
        for line in paragraph.splitlines():
            quote = line.startswith(">")
            content = line[1:].lstrip() if quote else line
            if current is None or current["quote"] != quote:
                current = {"quote": quote, "lines": []}
                out.append(current)
            current["lines"].append(content)
    return out
