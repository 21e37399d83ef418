"""Rendering Slack-only messages: mrkdwn for message text, plain for plain_text labels."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from actions.services import Services


def say(services: Services, name: str, lang: str | None, /, **context: Any) -> str:
    """``slack.<name>`` as mrkdwn (interpolated values escaped for Slack)."""
    return services.messages.render(f"slack.{name}", lang, **context)


def labels(services: Services, lang: str | None) -> Callable[[str], str]:
    """``label("submit")`` -> the plain text of ``slack.submit`` in ``lang``."""

    def label(name: str) -> str:
        return services.plain.render(f"slack.{name}", lang)

    return label


def split_ref(ref: str | None) -> tuple[str, str] | None:
    """``"C123:1700000000.000100"`` -> ``("C123", "1700000000.000100")``."""
    if not ref or ":" not in ref:
        return None
    channel, _, ts = ref.partition(":")
    return (channel, ts) if channel and ts else None
