"""Engines and sessions: SQLite by default, PostgreSQL by URL.

SQLite is tuned for a desk that several threads write to: WAL (readers never block the writer),
foreign keys on, a busy timeout, and ``BEGIN IMMEDIATE`` so a transaction takes the write lock
when it starts instead of failing half-way when it first writes.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.orm import Session, sessionmaker

from store import lean


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` as psycopg 3 URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )
        _tune_sqlite(engine)
        return engine
    # The desk's queries are short; PostgreSQL's JIT compiles any whose estimated cost is high
    # (reports over a year of tickets) and spends ~100 ms doing so, more than the query itself.
    kwargs.setdefault("connect_args", {"options": "-c jit=off"})
    engine = create_engine(url, **kwargs)
    if "pool_pre_ping" not in kwargs:
        _ping_when_idle(engine)
    return engine


IDLE_PING_SECONDS = 2.0


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection before use only when it sat idle for a while.

    ``pool_pre_ping`` costs a round trip on every checkout (~0.8 ms of a turn). A database
    restart shows up as a dead connection that has been idle since; a connection handed back
    a moment ago is almost surely alive, and were it not, the turn fails before its commit and
    the inbox runs it again. A failed ping makes the pool open a fresh connection.
    """

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < IDLE_PING_SECONDS:
            return
        try:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
            dbapi_connection.rollback()
        except Exception as error:
            raise exc.DisconnectionError(str(error)) from error


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def ping(engine: Engine) -> None:
    """Raise unless the database answers a trivial query (readiness checks)."""
    from sqlalchemy import text

    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


#: The key under which a session's ``info`` names the unit of work that opened it
#: (``store.uow.UnitOfWork``).
UNIT_KEY = "deskbot.unit_of_work"


def execute_write(session: Session, statement: Any, params: Any) -> Any:
    """Run a Core INSERT, UPDATE or DELETE of a table on the session's connection: what
    ``session.execute`` does with it, without the ORM's execution path around it (a fifth of
    the statement's CPU; a conversation turn writes three such rows), and on PostgreSQL
    without Core's either (``store.lean``: another 0.1 ms each). The unit of work that
    opened the session takes its savepoints first, as its ``do_orm_execute`` hook would, so
    a joined use case can still undo exactly its part."""
    unit = session.info.get(UNIT_KEY)
    if unit is not None:
        unit.before_write()
    return lean.run(session.connection(), statement, params)


def insert_new(session: Session, model: Any, values: dict[str, Any]) -> bool:
    """Insert one row unless its key is taken; whether it was new (told by ``RETURNING``, which
    names the row only when it went in).

    The statement is a Core insert into the model's table, built once per database and set of
    columns: every conversation turn runs one, and an ORM bulk insert built afresh costs
    several times the round trip. The session's hooks still see it as a write (savepoints)."""
    stmt = _insert_new_statement(session.get_bind().dialect.name, model.__table__,
                                 tuple(sorted(values)))
    return execute_write(session, stmt, values).first() is not None


@functools.cache
def _insert_new_statement(dialect: str, table: Any, columns: tuple[str, ...]) -> Any:
    from sqlalchemy import bindparam

    return (insert_ignoring(dialect, table).values({name: bindparam(name) for name in columns})
            .returning(*table.primary_key.columns))


def insert_ignoring(dialect: str, table: Any) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` into ``table`` for this database: one statement
    where a savepoint around a plain insert costs three round trips. On PostgreSQL a
    concurrent insert of the same key waits for the other transaction, as a plain insert does.
    Callers cache what they build on it: it runs on every delivery and every turn."""
    from sqlalchemy.dialects import postgresql, sqlite

    make: Any = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    if make is None:  # pragma: no cover - the desk runs on these two
        raise NotImplementedError(dialect)
    return make(table).on_conflict_do_nothing()


@contextmanager
def autocommit_connection(engine: Engine) -> Iterator[Any]:
    """A pooled connection's driver connection (psycopg's) in autocommit mode, for the one-
    statement writes of the background writers (the door's receipts, the delivered marks).

    One statement is atomic on its own: in autocommit it costs one round trip, where a
    transaction adds a ``BEGIN`` and a ``COMMIT`` (two more), and the driver's own cursor
    spares the statement SQLAlchemy's execution path around it (about as much again). The
    connection goes back to the pool in its usual mode; when the server dropped it, it and
    the pool's other connections are discarded, so the next checkout opens a fresh one."""
    pooled = engine.raw_connection()
    driver: Any = pooled.driver_connection
    try:
        driver.autocommit = True
        yield driver
    except Exception as error:
        if driver.closed:  # the server went away (a restart): as SQLAlchemy does for its own
            engine.pool._invalidate(pooled, error)  # statements, the pool's others go too
        raise
    finally:
        try:
            if not driver.closed:
                driver.autocommit = False
        except Exception:  # noqa: BLE001 - never hand a connection back in autocommit
            pooled.invalidate()
        pooled.close()
