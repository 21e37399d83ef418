"""The unit of work: one transaction, its repositories, and the only place that commits.

Use cases do ``with uow: ...; uow.commit()``. Leaving the block without committing rolls back,
so a use case that raises a DeskError half-way leaves nothing behind. Hooks registered with
``before_commit`` run inside the transaction (the outbox is written that way, so a message exists
if and only if the change that caused it does).

A unit of work may *join* an outer one (``UnitOfWork(factory, outer=turn)``): it then shares the
outer transaction, session and repositories, its ``with`` block is a SAVEPOINT and its ``commit``
only releases that savepoint. This is how one conversation turn (or one button, one command) runs
many use cases and still commits once: the use cases keep their own ``with uow: ... commit()``,
a refusal half-way still undoes exactly their part, and nothing is durable until the outer unit of
work commits. After-commit hooks of a joined unit wait for the outer commit.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from store.repositories import (
    EventRepository,
    OutboxRepository,
    PersonRepository,
    SurveyRepository,
    TeamRepository,
    TicketRepository,
)


class UnitOfWork:
    def __init__(self, session_factory: sessionmaker[Session], *,
                 outer: UnitOfWork | None = None) -> None:
        self._factory = session_factory
        self._hooks: list[Callable[[UnitOfWork], None]] = []
        self._after: list[Callable[[UnitOfWork], None]] = []
        self._session: Session | None = None
        #: The unit of work this one joined (its savepoint lives in the outer transaction).
        self.outer = outer
        self._savepoint: SessionTransaction | None = None
        self._marks = (0, 0, 0)
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

    @property
    def root(self) -> UnitOfWork:
        """The unit of work that really commits (itself unless it joined another)."""
        return self.outer.root if self.outer is not None else self

    def __enter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("unit of work is already in use")
        if self.outer is not None:
            return self._join(self.outer)
        self._session = self._factory()
        self.people = PersonRepository(self.session)
        self.teams = TeamRepository(self.session)
        self.tickets = TicketRepository(self.session)
        self.events = EventRepository(self.session)
        self.surveys = SurveyRepository(self.session)
        self.outbox = OutboxRepository(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self.session, None
        if self.outer is not None:
            savepoint, self._savepoint = self._savepoint, None
            if savepoint is not None:
                _rollback_savepoint(savepoint)
                self._forget()
            return
        try:
            session.rollback()
        finally:
            session.close()

    def _join(self, outer: UnitOfWork) -> Self:
        self._session = outer.session
        self.people, self.teams, self.tickets = outer.people, outer.teams, outer.tickets
        self.events, self.surveys, self.outbox = outer.events, outer.surveys, outer.outbox
        self._savepoint = self._session.begin_nested()
        self._marks = (len(self.events.added), len(self.outbox.added), self.outbox.queued)
        return self

    def _forget(self) -> None:
        """A rolled-back savepoint takes its events and messages with it: forget them too."""
        events, messages, queued = self._marks
        del self.events.added[events:]
        del self.outbox.added[messages:]
        self.outbox.queued = min(self.outbox.queued, queued)

    def commit(self) -> None:
        self.session.flush()
        for hook in self._hooks:
            hook(self)
        if self.outer is not None:
            # Released, and no new savepoint: use cases read after their commit (two round
            # trips saved per use case); writes after it would simply join the outer unit.
            savepoint, self._savepoint = self._savepoint, None
            if savepoint is not None:
                savepoint.commit()
            root = self.root
            for hook in self._after:
                if hook not in root._after:
                    root._after.append(hook)
            return
        self.session.commit()
        for hook in self._after:
            hook(self)

    def rollback(self) -> None:
        if self.outer is not None:
            if self._savepoint is not None:
                _rollback_savepoint(self._savepoint)
                self._forget()
                self._savepoint = self.session.begin_nested()
            return
        self.session.rollback()


def _rollback_savepoint(savepoint: SessionTransaction) -> None:
    """Undo a joined unit's writes (a failed flush may have rolled the savepoint back already)."""
    with contextlib.suppress(InvalidRequestError):  # already closed by the failed flush
        savepoint.rollback()
