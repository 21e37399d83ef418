"""Learned phrasings: the rows behind ``deskbot kb learned`` and the matcher's learned evidence.

Every change bumps the ``LEARNED`` counter in the same transaction, so any process can tell in
one primary-key read whether its matcher's copy is stale (ids alone cannot: SQLite reuses the
highest id after it is deleted).
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.models import Counter, LearnedPhrasing, Ticket

VERSION = "LEARNED"


class LearnedRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def version(self) -> int:
        """Changes so far (0 before the first)."""
        value = self.session.execute(
            select(Counter.value).where(Counter.name == VERSION)).scalar()
        return int(value or 0)

    def _bump(self) -> None:
        stmt = update(Counter).where(Counter.name == VERSION).values(value=Counter.value + 1)
        if not self.session.execute(stmt).rowcount:  # type: ignore[attr-defined]
            try:
                with self.session.begin_nested():
                    self.session.add(Counter(name=VERSION, value=1))
            except IntegrityError:
                self.session.execute(stmt)

    def add(self, phrasing: LearnedPhrasing) -> LearnedPhrasing | None:
        """Store a phrasing; None when the article already has this wording."""
        known = self.session.execute(select(LearnedPhrasing.id).where(
            LearnedPhrasing.article_id == phrasing.article_id,
            LearnedPhrasing.folded == phrasing.folded)).first()
        if known is not None:
            return None
        self.session.add(phrasing)
        self.session.flush()
        self._bump()
        return phrasing

    def list(self, article_id: str | None = None) -> Sequence[LearnedPhrasing]:
        stmt = select(LearnedPhrasing).order_by(LearnedPhrasing.article_id, LearnedPhrasing.id)
        if article_id is not None:
            stmt = stmt.where(LearnedPhrasing.article_id == article_id)
        return self.session.execute(stmt).scalars().all()

    def remove(self, phrasing_id: int) -> bool:
        gone = self.session.execute(
            delete(LearnedPhrasing).where(LearnedPhrasing.id == phrasing_id)).rowcount  # type: ignore[attr-defined]
        if gone:
            self._bump()
        return bool(gone)

    def ticket_keys(self, ids: Sequence[int]) -> dict[int, str]:
        """Keys of the tickets some phrasings were learned from."""
        if not ids:
            return {}
        rows = self.session.execute(select(Ticket.id, Ticket.key).where(Ticket.id.in_(ids)))
        return {int(i): str(k) for i, k in rows}

    def unsettled_tickets(self, since: datetime, until: datetime, team: str | None = None
                          ) -> builtins.list[tuple[str, str, str]]:
        """(key, title, description) of the non-security tickets opened in [since, until) that
        no article was named for at resolution: what the knowledge base did not settle."""
        answered = select(LearnedPhrasing.ticket_id).where(LearnedPhrasing.ticket_id.is_not(None))
        stmt = (select(Ticket.key, Ticket.title, Ticket.description)
                .where(Ticket.created_at >= since, Ticket.created_at < until,
                       Ticket.kind != "security", Ticket.id.not_in(answered))
                .order_by(Ticket.created_at, Ticket.id))
        if team:
            stmt = stmt.where(Ticket.team_code == team)
        return [(str(k), str(t), str(d or "")) for k, t, d in self.session.execute(stmt)]

    def by_article(self) -> dict[str, builtins.list[str]]:
        """Every article's learned texts, for the matcher."""
        found: dict[str, builtins.list[str]] = {}
        for article_id, text in self.session.execute(
                select(LearnedPhrasing.article_id, LearnedPhrasing.text)
                .order_by(LearnedPhrasing.id)):
            found.setdefault(article_id, []).append(text)
        return found
