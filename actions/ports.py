"""What use cases need from the desk, as protocols: they name the collaborator's shape, not the
composition root that happens to provide it (``actions.services.Services`` satisfies them all).

A use case asks for the narrowest one it uses, so a test can hand it a small fake, and modules
that ``Services`` itself imports (the inbox, the outbox worker) can be typed without importing
it back. Channels are not among them: use cases reach people through the unit of work's outbox,
and a channel's own shape is ``actions.channels.Channel``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from actions.settings import Settings
from nlu import NluInterpreter
from store.uow import UnitOfWork

if TYPE_CHECKING:  # the matcher's modules load rapidfuzz: only when a matcher is built
    from kb.article import Article
    from kb.matcher import Match

__all__ = ["Sessions", "Connections", "UnitsOfWork", "Desk", "Matcher", "NluInterpreter"]


class Sessions(Protocol):
    """Bare sessions, for bookkeeping that queues no notices (outbox and inbox rows)."""

    @property
    def session_factory(self) -> sessionmaker[Session]: ...


class Connections(Protocol):
    """The engine itself, for one statement that needs no ORM session around it (the inbox's
    receipts, as many a second as Slack sends deliveries)."""

    @property
    def engine(self) -> Engine: ...


class UnitsOfWork(Protocol):
    """A fresh unit of work per use case: it commits once and queues the notices its events
    call for (``Services.uow``)."""

    def uow(self) -> UnitOfWork: ...


class Desk(UnitsOfWork, Sessions, Protocol):
    """Units of work plus the settings: what timed work and most use cases read."""

    @property
    def settings(self) -> Settings: ...


class Matcher(Protocol):
    """The FAQ matcher (``kb.matcher.Matcher``)."""

    @property
    def articles(self) -> Sequence[Article]: ...

    @property
    def min_score(self) -> float:
        """The least score a match needs (configured, or calibrated on the articles)."""
        ...

    def search(self, query: str, top: int = 3, min_score: float | None = None,
               ) -> list[Match]: ...
