"""What the desk accepts as text typed by a person: trimmed, not empty, not absurdly long."""

from __future__ import annotations

import re
import unicodedata

from store.errors import InvalidInput

#: Longest comment, note or description kept (a pasted log fits; a flood does not).
MAX_TEXT = 8000
TITLE_LENGTH = 80  # fits a queue line and a Slack notification preview

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(text: str | None, *, field: str = "text", max_length: int = MAX_TEXT) -> str:
    """Trim and strip control characters; refuse empty or over-long text with a clear reason."""
    value = _CONTROL.sub("", unicodedata.normalize("NFC", text or "")).strip()
    if not value:
        raise InvalidInput("empty_text", field=field)
    if len(value) > max_length:
        raise InvalidInput("text_too_long", field=field, length=len(value), limit=max_length)
    return value


#: A greeting in front of the problem ("hola, ...", "buenos días!", "hi team,"): not the title.
_GREETING = re.compile(
    r"^(?:(?:hola|holi|buenas(?: tardes| noches)?|buen(?:os)? d[ií]as?|saludos|oye|hi|hello|hey"
    r"|good (?:morning|afternoon|evening))(?: (?:team|equipo|soporte|support|all|a todos))?"
    r"[\s,.;:!¡-]+)+", re.IGNORECASE)


def title_from(text: str) -> str:
    """A one-line title from a message: its first line without a greeting in front, cut at a
    word near TITLE_LENGTH (a queue line and a notification preview show the problem)."""
    first = " ".join(text.strip().splitlines()[0].split()) if text.strip() else ""
    rest = _GREETING.sub("", first, count=1)
    if rest != first and len(rest.split()) >= 2:
        first = rest
    if len(first) <= TITLE_LENGTH:
        return first
    cut = first[:TITLE_LENGTH].rsplit(" ", 1)[0] or first[:TITLE_LENGTH]
    return cut.rstrip(" ,.;:") + "…"
