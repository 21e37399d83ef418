"""Telling the support team, in its triage channel, that the bot is answering late.

The inbox workers call ``LagNotice`` when the oldest waiting request is older than the limit
(at most once every ten minutes); the notice goes to the triage channel of the first team in
config.yml that has one, in the desk's language. The log says it too, every minute.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_sdk import WebClient

from actions.services import Services
from bot.blocks import fallback_text
from bot.slack.text import say

log = logging.getLogger(__name__)


class LagNotice:
    def __init__(self, services: Services, client: WebClient, *,
                 every_seconds: float = 600) -> None:
        self.services, self.client, self.every = services, client, every_seconds
        self._said = -every_seconds

    def channel(self) -> str | None:
        return next((team.slack_channel for team in self.services.settings.teams.values()
                     if team.slack_channel), None)

    def __call__(self, stats: Any) -> None:
        channel = self.channel()
        if channel is None or time.monotonic() - self._said < self.every:
            return
        self._said = time.monotonic()
        text = say(self.services, "inbox_lagging", self.services.settings.language,
                   waiting=stats.waiting, seconds=int(stats.lag_seconds))
        try:
            self.client.chat_postMessage(channel=channel, text=fallback_text(text))
        except Exception as exc:  # noqa: BLE001 - the log has said it already
            log.warning("could not tell %s that the inbox lags: %s", channel, exc)
