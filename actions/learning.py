"""Learning from use: the messages an article turned out to answer become evidence for it.

Two moments teach the matcher: an employee presses "this solved it" on a suggestion, and a
technician resolves a ticket naming the article that answers it (``/ticket resolve INC-1
--article ID ...``). Both store the employee's own message as a learned phrasing in the same
transaction as the rest of that turn. Every process's matcher checks one counter before it is
used and reloads the phrasings when it moved, so what one process learns the others use at once.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kb.text import fold
from store.errors import InvalidInput
from store.learned import local_changes
from store.models import LearnedPhrasing
from store.uow import UnitOfWork

MAX_TEXT = 2000
MIN_WORDS = 2  # "ok", "vpn": too little to say how people ask for an article


@dataclass(frozen=True)
class LearnedView:
    id: int
    article_id: str
    text: str
    source: str
    language: str
    at: datetime
    ticket_key: str | None


def phrasing(*, article_id: str, text: str, source: str, language: str,
             person_id: int | None = None, ticket_id: int | None = None
             ) -> LearnedPhrasing | None:
    """The row to store for ``text``, or None when it is too short to teach anything."""
    body = " ".join(text.split())[:MAX_TEXT]
    folded = fold(body)
    if len(folded.split()) < MIN_WORDS:
        return None
    return LearnedPhrasing(article_id=article_id, text=body, folded=folded[:500], source=source,
                           language=language, person_id=person_id, ticket_id=ticket_id)


def learn(uow: UnitOfWork, row: LearnedPhrasing | None) -> bool:
    """Add ``row`` inside the caller's open unit of work; False when not new (or None)."""
    return row is not None and uow.learned.add(row) is not None


def learned(uow: UnitOfWork, article_id: str | None = None) -> list[LearnedView]:
    """What the desk has learned, by article (``deskbot kb learned``)."""
    with uow:
        rows = uow.learned.list(article_id)
        keys = uow.learned.ticket_keys([r.ticket_id for r in rows if r.ticket_id])
        return [LearnedView(r.id, r.article_id, r.text, r.source, r.language, r.at,
                            keys.get(r.ticket_id) if r.ticket_id else None) for r in rows]


def forget(uow: UnitOfWork, phrasing_id: int) -> None:
    """Remove one learned phrasing (``deskbot kb forget ID``); unknown ids are refused."""
    with uow:
        if not uow.learned.remove(phrasing_id):
            raise InvalidInput("unknown_phrasing", id=str(phrasing_id))
        uow.commit()


class LearnedOverlay:
    """Keeps one matcher's learned phrasings in step with the database (one read per use).

    ``every`` (seconds; 0 = every use): a running desk answering many questions a second reads
    the counter at most that often for what other processes learned, and at once after a
    change of its own."""

    def __init__(self, every: float = 0.0) -> None:
        self._lock = threading.Lock()
        self.every = every
        #: What the last look was for (matcher, database, this process's own changes), and when.
        self._looked: tuple[int, int, int] | None = None
        self._looked_at = 0.0

    def refresh(self, matcher: Any, uow: UnitOfWork) -> None:
        with uow:
            bind = uow.session.get_bind()
            looking = (id(matcher), id(bind), local_changes())
            now = time.monotonic()
            if self.every and looking == self._looked and now - self._looked_at < self.every:
                return
            self._looked, self._looked_at = looking, now
            # the database's identity too: one matcher may serve several desks (tests do)
            version = (id(bind), uow.learned.version())
            if version == matcher.learned_version:
                return
            with self._lock:
                if version != matcher.learned_version:
                    matcher.set_learned(uow.learned.by_article(), version)
