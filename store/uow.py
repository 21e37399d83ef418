"""The unit of work: one transaction, its repositories, and the only place that commits.

Use cases do ``with uow: ...; uow.commit()``. Leaving the block without committing rolls back,
so a use case that raises a DeskError half-way leaves nothing behind. Hooks registered with
``before_commit`` run inside the transaction (the outbox is written that way, so a message exists
if and only if the change that caused it does).
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

from sqlalchemy.orm import Session, sessionmaker

from store.learned import LearnedRepository
from store.repositories import (
    EventRepository,
    OutboxRepository,
    PersonRepository,
    SurveyRepository,
    TeamRepository,
    TicketRepository,
)


class UnitOfWork:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._factory = session_factory
        self._hooks: list[Callable[[UnitOfWork], None]] = []
        self._after: list[Callable[[UnitOfWork], None]] = []
        self._session: Session | None = None
        #: The working-time calendar the SLA clock counts in, lent by the composition root
        #: (``actions.services.Services.uow``); None means round the clock.
        self.working_time: Any = None

    @property
    def session(self) -> Session:
        """The open session; only inside ``with uow:``."""
        if self._session is None:
            raise RuntimeError("unit of work used outside its 'with' block")
        return self._session

    def before_commit(self, hook: Callable[[UnitOfWork], None]) -> None:
        """Run ``hook(uow)`` inside the transaction, just before each commit."""
        self._hooks.append(hook)

    def after_commit(self, hook: Callable[[UnitOfWork], None]) -> None:
        """Run ``hook(uow)`` once a commit has succeeded (never for a rolled-back transaction)."""
        self._after.append(hook)

    def __enter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("unit of work is already in use")
        self._session = self._factory()
        self.people = PersonRepository(self.session)
        self.teams = TeamRepository(self.session)
        self.tickets = TicketRepository(self.session)
        self.events = EventRepository(self.session)
        self.surveys = SurveyRepository(self.session)
        self.outbox = OutboxRepository(self.session)
        self.learned = LearnedRepository(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self.session, None
        try:
            session.rollback()
        finally:
            session.close()

    def commit(self) -> None:
        self.session.flush()
        for hook in self._hooks:
            hook(self)
        self.session.commit()
        for hook in self._after:
            hook(self)

    def rollback(self) -> None:
        self.session.rollback()
