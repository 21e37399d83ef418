"""Reading the workspace's directory: ``users.list``, every page, patient with rate limits.

``users.list`` is a Tier 2 method (about 20 calls a minute): a large workspace needs many pages,
and a 429 says how long to wait (``Retry-After``). The client already retries once inside the
call; a page still refused is waited for and asked again, up to ``max_waits`` times.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from actions.people_sync import DirectoryEntry
from bot.slack.users import profile_of

log = logging.getLogger(__name__)
PAGE = 200


def directory(client: WebClient, *, default_language: str, page_size: int = PAGE,
              max_waits: int = 10, sleep: Callable[[float], None] = time.sleep,
              ) -> Iterator[DirectoryEntry]:
    """Every member of the workspace as a ``DirectoryEntry``."""
    cursor: str | None = None
    while True:
        answer = _page(client, cursor, page_size, max_waits, sleep)
        for member in answer.get("members") or []:
            yield entry_of(member, default_language)
        cursor = (answer.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return


def _page(client: WebClient, cursor: str | None, page_size: int, max_waits: int,
          sleep: Callable[[float], None]) -> Any:
    for attempt in range(max_waits + 1):
        try:
            return client.users_list(limit=page_size, cursor=cursor, include_locale=True)
        except SlackApiError as exc:
            if exc.response.status_code != 429 or attempt == max_waits:
                raise
            headers = exc.response.headers or {}
            after = headers.get("Retry-After") or headers.get("retry-after") or "1"
            wait = float(after[0] if isinstance(after, list) else after)
            log.info("users.list rate limited; waiting %.0f s", wait)
            sleep(wait)
    raise AssertionError("unreachable")


def entry_of(member: dict[str, Any], default_language: str) -> DirectoryEntry:
    profile = profile_of(member, default_language)
    locale = member.get("locale")
    return DirectoryEntry(
        address=str(member.get("id")), name=str(profile["name"]), email=profile["email"],
        timezone=profile["timezone"], language=profile["language"] if locale else None,
        deactivated=bool(member.get("deleted")),
        bot=bool(member.get("is_bot") or member.get("is_app_user")
                 or member.get("id") == "USLACKBOT"))
