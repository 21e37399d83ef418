"""Rendering Slack-only messages: mrkdwn for message text, plain for plain_text labels.

They live with the channel, in ``bot/slack/templates/<lang>/slack.j2``, as email's live in
``bot/email/templates``; the desk's renderers find them once the channel adds its folder.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from actions.messages import Messages
from actions.services import Services

TEMPLATES = Path(__file__).resolve().parent / "templates"


def slack_messages(messages: Messages) -> Messages:
    """``messages`` able to render ``slack.<name>`` (the Slack channel's own templates)."""
    return messages.add_templates(TEMPLATES)


def say(services: Services, name: str, lang: str | None, /, **context: Any) -> str:
    """``slack.<name>`` as mrkdwn (interpolated values escaped for Slack)."""
    return slack_messages(services.messages).render(f"slack.{name}", lang, **context)


def labels(services: Services, lang: str | None) -> Callable[[str], str]:
    """``label("submit")`` -> the plain text of ``slack.submit`` in ``lang``."""

    def label(name: str) -> str:
        return slack_messages(services.plain).render(f"slack.{name}", lang)

    return label


def split_ref(ref: str | None) -> tuple[str, str] | None:
    """``"C123:1700000000.000100"`` -> ``("C123", "1700000000.000100")``."""
    if not ref or ":" not in ref:
        return None
    channel, _, ts = ref.partition(":")
    return (channel, ts) if channel and ts else None
