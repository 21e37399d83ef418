"""The unit of work: one transaction, its repositories, and the only place that commits.

Use cases do ``with uow: ...; uow.commit()``. Leaving the block without committing rolls back,
so a use case that raises a DeskError half-way leaves nothing behind. Hooks registered with
``before_commit`` run inside the transaction (the outbox is written that way, so a message exists
if and only if the change that caused it does).

A unit of work may *join* an outer one (``UnitOfWork(factory, outer=turn)``): it then shares the
outer transaction, session and repositories, its ``with`` block is a SAVEPOINT and its ``commit``
only releases that savepoint. The savepoint is taken lazily, just before the unit's first write
(a flush, or an INSERT/UPDATE/DELETE statement), so the many units that only read cost no extra
round trip. This is how one conversation turn (or one button, one command) runs
many use cases and still commits once: the use cases keep their own ``with uow: ... commit()``,
a refusal half-way still undoes exactly their part, and nothing is durable until the outer unit of
work commits. After-commit hooks of a joined unit wait for the outer commit.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

from sqlalchemy import event
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, sessionmaker

from store.db import UNIT_KEY
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
    def __init__(self, session_factory: sessionmaker[Session], *,
                 outer: UnitOfWork | None = None, savepoint: bool = True) -> None:
        self._factory = session_factory
        #: Joined: take a savepoint before the first write (False: the unit's writes go
        #: straight into the outer transaction, two round trips fewer, for a unit whose
        #: failure always fails the outer one too, so it never needs to undo only its part).
        self.own_savepoint = savepoint
        self._hooks: list[Callable[[UnitOfWork], None]] = []
        self._after: list[Callable[[UnitOfWork], None]] = []
        self._session: Session | None = None
        #: The unit of work this one joined (its savepoint lives in the outer transaction).
        self.outer = outer
        self._savepoint: SessionTransaction | None = None
        self._marks = (0, 0, 0)
        #: Joined units open right now, outermost first (on the root only).
        self._joined: list[UnitOfWork] = []
        #: The working-time calendar the SLA clock counts in, lent by the composition root
        #: (``actions.services.Services.uow``); None means round the clock.
        self.working_time: Any = None
        #: The channels this desk has (``actions.services.Services.channels``), likewise lent.
        self.channels: tuple[str, ...] = ()
        #: Lent likewise: marks an outgoing message this process delivers right after the
        #: commit, before it is inserted (``OutboxRepository.claim``).
        self.claim_outbox: Callable[[Any], None] | None = None

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
        self._joined = []
        # The session's identity map holds objects weakly: a person read at the start of a
        # turn and dropped would be read again by the next ``get``. Held for the unit's life,
        # every use case of the turn finds what an earlier one loaded without a round trip.
        self._loaded: list[Any] = []
        # The session's events reach this unit through the listeners registered once on the
        # Session class (``_on_flush`` and co.): three listeners of its own per session cost
        # a database statement's worth of CPU on every turn.
        self._session.info[UNIT_KEY] = self
        self.people = PersonRepository(self.session)
        self.teams = TeamRepository(self.session)
        self.tickets = TicketRepository(self.session)
        self.events = EventRepository(self.session)
        self.surveys = SurveyRepository(self.session)
        self.outbox = OutboxRepository(self.session)
        self.outbox.claim = self.claim_outbox
        self.learned = LearnedRepository(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self.session, None
        if self.outer is not None:
            joined = self.root._joined
            if self in joined:
                joined.remove(self)
            savepoint, self._savepoint = self._savepoint, None
            if savepoint is not None:
                _rollback_savepoint(savepoint)
                self._forget()
            elif session.new or session.dirty or session.deleted:
                _discard_unflushed(session)  # changes made but never written: drop them
            return
        try:
            session.rollback()
        finally:
            session.info.pop(UNIT_KEY, None)
            session.close()
            self._loaded = []

    def _join(self, outer: UnitOfWork) -> Self:
        self._session = outer.session
        self.people, self.teams, self.tickets = outer.people, outer.teams, outer.tickets
        self.events, self.surveys, self.outbox = outer.events, outer.surveys, outer.outbox
        self.learned = outer.learned
        self._savepoint = None
        self._marks = (len(self.events.added), len(self.outbox.added), self.outbox.queued)
        self.root._joined.append(self)
        return self

    def savepoint(self) -> SessionTransaction:
        """A nested transaction for a write that may fail (a unique key taken by a concurrent
        request), taken inside this unit's own savepoint."""
        self.root._take_savepoints()
        return self.session.begin_nested()

    def _take_savepoints(self) -> None:
        """Before a write: every open joined unit without a savepoint takes one (outermost
        first), so each can still undo exactly its own part."""
        wanting = [unit for unit in self._joined
                   if unit._savepoint is None and unit.own_savepoint]
        if not wanting:
            return
        inner = self.session.get_nested_transaction()
        if inner is not None and all(inner is not unit._savepoint for unit in self._joined):
            return  # inside a repository's own savepoint: it undoes its part itself
        for unit in wanting:
            unit._savepoint = self.session.begin_nested()

    def before_write(self) -> None:
        """A statement is about to write (``store.db.execute_write``): the open joined units
        take their savepoints, as for any write through the session."""
        self._take_savepoints()

    def _keep(self, session: Session, instance: Any) -> None:
        self._loaded.append(instance)

    def _before_flush(self, session: Session, context: Any, instances: Any) -> None:
        self._take_savepoints()

    def _before_statement(self, state: ORMExecuteState) -> None:
        if state.is_insert or state.is_update or state.is_delete:
            self._take_savepoints()

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
            # Released; a write after this commit takes a new savepoint (lazily, as above).
            savepoint, self._savepoint = self._savepoint, None
            if savepoint is not None:
                savepoint.commit()
            self._marks = (len(self.events.added), len(self.outbox.added), self.outbox.queued)
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
            savepoint, self._savepoint = self._savepoint, None
            if savepoint is not None:
                _rollback_savepoint(savepoint)
                self._forget()
            return
        self.session.rollback()


@event.listens_for(Session, "before_flush")
def _on_flush(session: Session, context: Any, instances: Any) -> None:
    unit = session.info.get(UNIT_KEY)
    if unit is not None:
        unit._before_flush(session, context, instances)


@event.listens_for(Session, "do_orm_execute")
def _on_statement(state: ORMExecuteState) -> None:
    unit = state.session.info.get(UNIT_KEY)
    if unit is not None:
        unit._before_statement(state)


@event.listens_for(Session, "loaded_as_persistent")
def _on_loaded(session: Session, instance: Any) -> None:
    unit = session.info.get(UNIT_KEY)
    if unit is not None:
        unit._keep(session, instance)


def _rollback_savepoint(savepoint: SessionTransaction) -> None:
    """Undo a joined unit's writes (a failed flush may have rolled the savepoint back already)."""
    with contextlib.suppress(InvalidRequestError):  # already closed by the failed flush
        savepoint.rollback()


def _discard_unflushed(session: Session) -> None:
    """Drop changes a joined unit made in memory but never flushed (it raised first)."""
    for obj in list(session.new):
        session.expunge(obj)
    for obj in list(session.dirty) + list(session.deleted):
        session.expire(obj)
