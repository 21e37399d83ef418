"""One-time sign-in links for the web pages, kept as the SHA-256 of their token.

The token itself exists only in the URL handed to the person; a copy of the database cannot be
turned back into a working link. Redeeming is one conditional ``UPDATE`` (unused and unexpired),
so two requests racing with the same link cannot both sign in.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from store.models import SignInLink


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_link(session: Session, *, token: str, person_id: int, now: datetime,
             expires_at: datetime) -> None:
    session.add(SignInLink(token_hash=token_hash(token), person_id=person_id, created_at=now,
                           expires_at=expires_at))
    session.flush()


def redeem_link(session: Session, *, token: str, now: datetime) -> int | None:
    """Mark the link used and return whom it signs in; None when unknown, used or expired."""
    row = session.execute(
        update(SignInLink)
        .where(SignInLink.token_hash == token_hash(token), SignInLink.used_at.is_(None),
               SignInLink.expires_at > now)
        .values(used_at=now)
        .returning(SignInLink.person_id)
    ).first()
    return int(row[0]) if row else None
