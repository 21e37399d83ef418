"""Text as Slack delivers it -> the plain text the desk stores.

Slack sends message and command text encoded: ``&``, ``<``, ``>`` typed by a person arrive as
``&amp;``, ``&lt;``, ``&gt;``, and real mentions and links as control sequences (``<@U123|ana>``,
``<!channel>``, ``<https://x|label>``, ``<#C1|general>``). Stored as-is, the entities would be
escaped again on the way out (a person would read ``&lt;``) and the sequences would be
meaningless in the console or email. Decoded here, a mention becomes ``@ana`` (``@U123`` in
commands, where the id names a person unambiguously), a link ``label (url)``; on the way out the
templates escape the three characters again, so nothing a person typed can ping or disguise a link.
"""

from __future__ import annotations

import re

_SEQUENCE = re.compile(r"<([^<>]*)>")
_SPECIAL = {"!channel": "@channel", "!here": "@here", "!everyone": "@everyone"}


def _entities(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def plain_text(text: str | None, *, user_ids: bool = False) -> str:
    """Slack-encoded ``text`` as plain text (see the module's docstring)."""

    def sequence(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            return target if user_ids or not label else f"@{label}"
        if target.startswith("#"):
            return f"#{label or target[1:]}"
        if target.startswith("!"):
            name = target.split("^")[0]
            return _SPECIAL.get(name, "@" + (label or name[1:]).lstrip("@"))
        return f"{label} ({target})" if label and label != target else target

    return _entities(_SEQUENCE.sub(sequence, text or ""))


def with_files(text: str, files: list[dict[str, object]] | None) -> str:
    """The message's text followed by one line per shared file (a screenshot of an error is how
    many people report it), so the file reaches the ticket as part of the comment."""
    lines = [text] if text else []
    for item in files or []:
        name = str(item.get("title") or item.get("name") or "file")
        link = item.get("permalink") or item.get("url_private")
        lines.append(f"📎 {name}" + (f" ({link})" if link else ""))
    return "\n".join(lines)
