"""Who may open the web pages: one-time sign-in links, and people found by their Slack id.

A link is a random token (256 bits) valid for a short while and once; only its hash is stored
(``store.signin``). "Sign in with Slack" ends here too: the web channel verifies Slack's ID token
and asks for the registered person behind the Slack user id, so the same rule (only people the
desk knows, and only active ones) decides for both ways in.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from actions.common import now as desk_now
from actions.views import PersonView
from store import signin
from store.errors import NotFound
from store.uow import UnitOfWork

LINK_MINUTES = 15


def issue_link(uow: UnitOfWork, *, person: str, minutes: int = LINK_MINUTES,
               at: datetime | None = None) -> tuple[str, PersonView]:
    """A fresh one-time token for a registered, active person (name, email or Slack id)."""
    at = at or desk_now()
    token = secrets.token_urlsafe(32)
    with uow:
        found = uow.people.find(person)
        if not found.active:
            raise NotFound("person_not_found", ref=person)
        signin.add_link(uow.session, token=token, person_id=found.id, now=at,
                        expires_at=at + timedelta(minutes=minutes))
        view = PersonView.of(found)
        uow.commit()
    return token, view


def redeem_link(uow: UnitOfWork, *, token: str, at: datetime | None = None) -> PersonView | None:
    """Whom the link signs in, using it up; None for a forged, used or expired link."""
    if not token or len(token) > 200:
        return None
    with uow:
        person_id = signin.redeem_link(uow.session, token=token, now=at or desk_now())
        if person_id is None:
            return None
        person = uow.people.get(person_id)
        if not person.active:
            return None
        uow.commit()
        return PersonView.of(person)


def person_for_session(uow: UnitOfWork, *, person_id: int) -> PersonView | None:
    """The signed-in person as they are now (a role change or deactivation applies at once)."""
    with uow:
        try:
            person = uow.people.get(person_id)
        except NotFound:
            return None
        return PersonView.of(person) if person.active else None


def person_by_address(uow: UnitOfWork, *, channel: str, address: str) -> PersonView | None:
    """The active person a channel's sign-in names (Slack's OpenID claims carry a member id)."""
    with uow:
        person = uow.people.by_address(channel, address)
        return PersonView.of(person) if person is not None and person.active else None
