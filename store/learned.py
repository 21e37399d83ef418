"""Learned phrasings: the rows behind ``deskbot kb learned`` and the matcher's learned evidence.

Every change bumps the ``LEARNED`` counter in the same transaction, so any process can tell in
one primary-key read whether its matcher's copy is stale (ids alone cannot: SQLite reuses the
highest id after it is deleted).
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.models import Counter, Event, LearnedPhrasing, Ticket

VERSION = "LEARNED"

#: Changes this process made (committed or not): a process that learned something itself
#: looks at the counter again at once, whatever its interval between looks.
_local_changes = 0


def local_changes() -> int:
    return _local_changes


class LearnedRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def version(self) -> int:
        """Changes so far (0 before the first)."""
        value = self.session.execute(
            select(Counter.value).where(Counter.name == VERSION)).scalar()
        return int(value or 0)

    def _bump(self) -> None:
        global _local_changes
        _local_changes += 1
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

    def unsettled_tickets(self, since: datetime, until: datetime, team: str | None = None,
                          *, shown_event: str = "faq_suggested",
                          linked_event: str = "article_linked",
                          ) -> builtins.list[tuple[str, str, str, dict[str, Any] | None]]:
        """(key, title, description, what the FAQ showed or None) of the non-security tickets
        opened in [since, until) that no article was named for (at resolution, or with
        ``linked_event``): what the knowledge base did not settle. What the FAQ showed is the
        payload of the ticket's ``shown_event``; tickets opened before it was recorded have
        none."""
        answered = select(LearnedPhrasing.ticket_id).where(LearnedPhrasing.ticket_id.is_not(None))
        linked = select(Event.ticket_id).where(Event.type == linked_event)
        stmt = (select(Ticket.id, Ticket.key, Ticket.title, Ticket.description)
                .where(Ticket.created_at >= since, Ticket.created_at < until,
                       Ticket.kind != "security", Ticket.id.not_in(answered),
                       Ticket.id.not_in(linked))
                .order_by(Ticket.created_at, Ticket.id))
        if team:
            stmt = stmt.where(Ticket.team_code == team)
        rows = self.session.execute(stmt).all()
        shown: dict[int, dict[str, Any]] = {}
        ids = [int(r[0]) for r in rows]
        for start in range(0, len(ids), 500):
            for ticket_id, payload in self.session.execute(
                    select(Event.ticket_id, Event.payload)
                    .where(Event.type == shown_event, Event.ticket_id.in_(ids[start:start + 500]))
                    .order_by(Event.seq)):
                shown.setdefault(int(ticket_id), dict(payload or {}))
        return [(str(k), str(t), str(d or ""), shown.get(int(i))) for i, k, t, d in rows]

    def by_article(self) -> dict[str, builtins.list[str]]:
        """Every article's learned texts, for the matcher."""
        found: dict[str, builtins.list[str]] = {}
        for article_id, text in self.session.execute(
                select(LearnedPhrasing.article_id, LearnedPhrasing.text)
                .order_by(LearnedPhrasing.id)):
            found.setdefault(article_id, []).append(text)
        return found
