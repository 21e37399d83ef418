"""A thinner way to run the few prebuilt Core statements every conversation turn runs.

A DM turn runs four of them (its sender's row, the conversation's insert, the reply's outbox
row, the inbox row's outcome). Through ``Connection.execute`` each costs ~290 us of CPU, the
same SQL on the psycopg cursor ~175 us: a tenth of a turn went to SQLAlchemy's execution
machinery (cache key, execution context, result metadata, row objects).

On PostgreSQL with psycopg, ``run`` compiles a statement once per pooled connection and set of
parameter names, then executes it on that connection's own psycopg cursor: the same SQL text,
the bind processors SQLAlchemy would apply (JSONB, ``UTCDateTime``), the result processors on
the way back, in the transaction the session's connection opened (SQLAlchemy commits or rolls it
back as usual). Errors go through the connection's own error handling, so they are the
``sqlalchemy.exc`` classes SQLAlchemy would raise, and a connection found broken is invalidated
(and the pool with it) exactly as after any failed statement.

Anything unusual runs through ``Connection.execute`` as before: another database (SQLite), echo,
statement or cursor event listeners (``before_cursor_execute`` sees every statement), execution
options, several parameter sets, statements whose parameters are expanded or computed at
execution time, a missing parameter, a transaction that is not active.
"""

from __future__ import annotations

import keyword
from collections import namedtuple
from collections.abc import Mapping
from typing import Any

from sqlalchemy import exc
from sqlalchemy.engine import Connection, Dialect

#: The key of this module's state in a pooled connection's ``info`` (it lives as long as the
#: DBAPI connection: the pool clears ``info`` when it replaces the connection).
_INFO_KEY = "deskbot.lean"

_NOT_LEAN = object()

#: Compiled statements kept per connection: the desk runs a handful this way; a caller that
#: built a new statement for every call would only make this path compile each time.
_MAX_PLANS = 100

#: Rows are named tuples of the columns' labels: attribute access like ``Row``, made as
#: cheaply as a tuple (the column names are only known once a statement is compiled).
_named_tuple: Any = namedtuple


class LeanResult:
    """What a statement returned: its rows (None when it returns none) and its row count,
    with the few methods of ``CursorResult`` the callers use, which behave the same."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: list[Any] | None, rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def _fetched(self) -> list[Any]:
        if self._rows is None:
            raise exc.ResourceClosedError(
                "This result object does not return rows. It has been closed automatically.")
        return self._rows

    def all(self) -> list[Any]:
        return list(self._fetched())

    def first(self) -> Any:
        rows = self._fetched()
        return rows[0] if rows else None

    def scalar(self) -> Any:
        rows = self._fetched()
        return rows[0][0] if rows else None

    def one(self) -> Any:
        rows = self._fetched()
        if not rows:
            raise exc.NoResultFound("No row was found when one was required")
        if len(rows) > 1:
            raise exc.MultipleResultsFound(
                "Multiple rows were found when exactly one was required")
        return rows[0]

    def scalar_one(self) -> Any:
        return self.one()[0]


class _Plan:
    """One statement compiled for one connection and one set of parameter names."""

    __slots__ = ("sql", "binds", "columns", "row", "processors")

    def __init__(self, sql: str, binds: tuple[tuple[str, str, bool, Any, Any], ...],
                 columns: tuple[Any, ...], row: Any) -> None:
        self.sql = sql
        #: (name in the SQL, the parameter's key, required, value when not given, processor)
        self.binds = binds
        #: The compiled result columns (their types give the result processors).
        self.columns = columns
        #: The row class (a named tuple of the columns' labels); None when no rows come back.
        self.row = row
        #: Per column: its result processor or None; set at the first execution, from the
        #: driver's column types (what SQLAlchemy hands the types too).
        self.processors: tuple[Any, ...] | None = None

    def parameters(self, params: Mapping[str, Any]) -> dict[str, Any] | None:
        """The driver's parameters, as ``construct_params`` and the bind processors make them;
        None when a required one is missing (SQLAlchemy then says which)."""
        out = {}
        for name, key, required, value, process in self.binds:
            if key in params:
                value = params[key]
            elif name in params:
                value = params[name]
            elif required:
                return None
            out[name] = value if process is None else process(value)
        return out


class _State:
    """Per pooled connection: its psycopg cursor and compiled statements."""

    __slots__ = ("driver", "cursor", "plans")

    def __init__(self, driver: Any) -> None:
        self.driver = driver
        self.cursor: Any = None
        self.plans: dict[tuple[Any, tuple[str, ...]], _Plan | object] = {}


def run(connection: Connection, statement: Any, params: Mapping[str, Any]) -> Any:
    """``connection.execute(statement, params)`` for one prebuilt Core statement and one
    parameter set: on psycopg straight on the driver's cursor (a ``LeanResult``), else (or
    for anything unusual, see the module) through SQLAlchemy (a ``CursorResult``)."""
    state = _state(connection) if isinstance(params, dict) else None
    if state is None:
        return connection.execute(statement, params)
    keys = tuple(params)
    plan = state.plans.get((statement, keys))
    if plan is None:
        if len(state.plans) >= _MAX_PLANS:  # statements built afresh for each call
            state.plans.clear()
        plan = state.plans[(statement, keys)] = _plan(connection, statement, keys)
    if plan is _NOT_LEAN:
        return connection.execute(statement, params)
    assert isinstance(plan, _Plan)
    try:
        parameters = plan.parameters(params)
    except BaseException as error:  # a bind processor refused a value (a naive datetime)
        # As SQLAlchemy reports it: a StatementError naming the statement.
        connection._handle_dbapi_exception(error, plan.sql, [params], None, None)
    if parameters is None:
        return connection.execute(statement, params)
    cursor = state.cursor
    if cursor is None or cursor.closed:
        cursor = state.cursor = state.driver.cursor()
    try:
        cursor.execute(plan.sql, parameters)
        rows = cursor.fetchall() if cursor.description is not None else None
        rowcount = cursor.rowcount
    except BaseException as error:
        if isinstance(error, Exception) and not isinstance(
                error, connection.dialect.loaded_dbapi.Error):
            raise  # not the driver's: SQLAlchemy lets these through unwrapped too
        # The connection's own handling: the same sqlalchemy.exc class, the handle_error
        # hooks, and a broken connection invalidated (with the pool) so it is not reused.
        connection._handle_dbapi_exception(error, plan.sql, parameters, cursor, None)
    if rows is None or plan.row is None:
        return LeanResult(None, rowcount)
    processors = plan.processors
    if processors is None:
        processors = plan.processors = _result_processors(connection, plan, cursor)
    make = plan.row._make
    if not any(processors):
        return LeanResult([make(row) for row in rows], rowcount)
    return LeanResult([make([value if process is None else process(value)
                             for process, value in zip(processors, row, strict=True)])
                       for row in rows], rowcount)


def on_psycopg(dialect: Dialect) -> bool:
    """Whether the database is reached through psycopg's synchronous connection, whose own
    cursor these statements (and ``store.db.autocommit_connection``'s writes) run on."""
    return dialect.driver == "psycopg" and not dialect.is_async


def _state(connection: Connection) -> _State | None:
    """The connection's state when statements may run on its cursor, else None."""
    if not on_psycopg(connection.dialect):
        return None
    if connection._echo or connection._execution_options:
        return None  # logged, or options that change how statements run
    if connection._has_events or connection.engine._has_events:
        dispatch = connection.dispatch
        if (dispatch.before_execute or dispatch.after_execute
                or dispatch.before_cursor_execute or dispatch.after_cursor_execute):
            return None  # someone watches every statement
    if not connection.in_transaction():
        return None  # SQLAlchemy begins one (or says why it cannot)
    nested = connection.get_nested_transaction()
    if nested is not None and not nested.is_active:
        return None  # SQLAlchemy refuses to run in a failed savepoint
    pooled = connection.connection
    info = pooled.info
    state = info.get(_INFO_KEY)
    if state is None or state.driver is not pooled.dbapi_connection:
        state = info[_INFO_KEY] = _State(pooled.dbapi_connection)  # psycopg's own connection
    return state  # type: ignore[no-any-return]


def _plan(connection: Connection, statement: Any, keys: tuple[str, ...]) -> _Plan | object:
    """Compile ``statement`` as ``Connection.execute`` would for these parameter names, or
    ``_NOT_LEAN`` when its execution needs more than SQL text and bind processors."""
    if (not hasattr(statement, "_compile_w_cache")
            or statement._propagate_attrs.get("compile_state_plugin") == "orm"
            or statement._execution_options):
        return _NOT_LEAN  # the ORM's own execution, or options of its own
    compiled: Any = statement.compile(dialect=connection.dialect, column_keys=sorted(keys),
                                      for_executemany=False)
    if (compiled.positional or compiled.post_compile_params or compiled.literal_execute_params
            or compiled.insert_prefetch or compiled.update_prefetch
            or compiled.implicit_returning or compiled.schema_translate_map
            or compiled.escaped_bind_names or getattr(compiled, "_collected_params", None)):
        return _NOT_LEAN
    processors = compiled._bind_processors
    binds = {}
    for bind, name in compiled.bind_names.items():
        if bind.callable is not None:
            return _NOT_LEAN  # its value is computed at each execution
        binds[name] = (name, bind.key, bool(bind.required), bind.value, processors.get(name))
    columns = tuple(compiled._result_columns)
    row_class: Any = None
    if columns:
        if (not compiled._ordered_columns or compiled._textual_ordered_columns
                or compiled._ad_hoc_textual):
            return _NOT_LEAN  # columns matched by name, as SQLAlchemy does for text
        labels = [column[0] for column in columns]
        if (len(set(labels)) != len(labels)
                or any(not label.isidentifier() or label.startswith("_")
                       or keyword.iskeyword(label) for label in labels)):
            return _NOT_LEAN  # rows whose columns cannot all be attributes
        row_class = _named_tuple("LeanRow", labels)
    return _Plan(compiled.string, tuple(binds.values()), columns, row_class)


def _result_processors(connection: Connection, plan: _Plan, cursor: Any) -> tuple[Any, ...]:
    """Each column's result processor, found as SQLAlchemy finds it (the column's type for this
    dialect and the driver's type of the column)."""
    description = cursor.description
    if len(description) != len(plan.columns):  # pragma: no cover - compiled Core statements
        raise exc.InvalidRequestError("result columns differ from the compiled statement")
    dialect = connection.dialect
    return tuple(column[3]._cached_result_processor(dialect, description[index][1])
                 for index, column in enumerate(plan.columns))
