"""Slack users -> the desk's people.

A user the desk already knows (by Slack id) is read from the database: no Web API call. A user seen
for the first time is looked up once with ``users.info`` (name, email, time zone, locale) and
registered as a requester via ``actions.people.ensure_person``; their email links them to a person
an admin registered earlier without a Slack id.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from actions.people import ensure_person, person_at
from actions.services import Services
from actions.views import PersonView

log = logging.getLogger(__name__)


def language_of(locale: str | None, default: str) -> str:
    """``es-ES``/``es-419`` -> es, ``en-US`` -> en, anything else -> the desk's default."""
    prefix = (locale or "").split("-")[0].split("_")[0].lower()
    return prefix if prefix in ("es", "en") else default


def profile_of(user: dict[str, Any], default_language: str) -> dict[str, Any]:
    """What ``ensure_person`` needs, out of a ``users.info`` user object."""
    profile = user.get("profile") or {}
    name = (profile.get("real_name") or user.get("real_name") or profile.get("display_name")
            or user.get("name") or user.get("id"))
    return {
        "name": name,
        "email": profile.get("email") or None,
        "timezone": user.get("tz") or None,
        "language": language_of(user.get("locale"), default_language),
    }


def known_person(services: Services, slack_id: str) -> PersonView | None:
    return person_at(services.uow(), channel="slack", address=slack_id)


def person_for(services: Services, client: WebClient, slack_id: str) -> PersonView:
    """The person behind a Slack user id, registering them on first sight."""
    person = known_person(services, slack_id)
    if person is not None:
        return person
    default = services.settings.language
    details: dict[str, Any] = {"name": slack_id, "language": default}
    try:
        answer = client.users_info(user=slack_id, include_locale=True)
        details = profile_of(answer.get("user") or {}, default)
    except SlackApiError as exc:  # still serve them; the profile can be filled in later
        log.warning("users.info failed for %s: %s", slack_id, exc.response.get("error"))
    return ensure_person(services.uow(), channel="slack", address=slack_id,
                         also={"email": details.get("email")}, name=details.get("name"),
                         language=details.get("language"),
                         timezone=details.get("timezone"), default_language=default)
