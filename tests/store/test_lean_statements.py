"""The statements every turn runs write and read exactly what SQLAlchemy's own execution does.

On PostgreSQL they run straight on the driver's cursor (``store.lean``); on SQLite through
SQLAlchemy as before, so each test runs on both and compares the two ways where there are two.
A failed statement raises the same error either way, a broken connection is not reused, and a
turn that fails after them leaves nothing behind.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Connection, create_engine, func, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError, StatementError

from actions import inbox
from actions.common import now
from actions.conversation.turn import _SENDER_WAITING, Inbound, converse
from actions.inbox import Job, LostClaim
from actions.services import Services
from store import lean
from store.db import insert_new
from store.inbox import _finish_statement
from store.models import Conversation, InboxItem, OutboxMessage, ProcessedEvent
from store.repositories import _OUTBOX_INSERT, person_row_query
from tests.conftest import Cast


def _sqlalchemy(connection: Connection, statement: Any, params: dict[str, Any]) -> Any:
    return connection.execute(statement, params)


WAYS = [pytest.param(lean.run, id="lean"), pytest.param(_sqlalchemy, id="sqlalchemy")]


def _outbox_values(key: str) -> dict[str, Any]:
    at = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=-6)))
    return {"key": key, "channel": "slack",
            "recipient": {"type": "reply", "ref": "D1:1.1", "person_id": 1, "broadcast": False},
            "template": "reply", "language": "es",
            "context": {"replies": [{"text": "¿Sigue sin funcionar la VPN?", "n": 1.5,
                                     "buttons": [{"label": "Sí", "value": "yes"}]}]},
            "ticket_id": None, "status": "sending", "attempts": 1, "next_attempt_at": at,
            "last_error": None, "created_at": at, "delivered_at": None}


def _on_postgres(services: Services) -> bool:
    return services.engine.dialect.name == "postgresql"


def test_an_outbox_row_is_stored_the_same_either_way(services: Services) -> None:
    with services.session_factory() as session, session.begin():
        connection = session.connection()
        ids = [way(connection, _OUTBOX_INSERT, _outbox_values(key)).scalar_one()
               for way, key in ((lean.run, "reply:lean"), (_sqlalchemy, "reply:sqlalchemy"))]
    assert ids[1] == ids[0] + 1
    with services.session_factory() as session:
        stored = {row.key: row for row in session.scalars(select(OutboxMessage))}
    lean_row, plain_row = stored["reply:lean"], stored["reply:sqlalchemy"]
    assert lean_row.id == ids[0]
    for column in _outbox_values("x"):
        if column != "key":
            assert getattr(lean_row, column) == getattr(plain_row, column), column
    assert lean_row.recipient["broadcast"] is False
    assert lean_row.context["replies"][0]["text"] == "¿Sigue sin funcionar la VPN?"
    assert lean_row.next_attempt_at == datetime(2026, 3, 1, 15, 30, 15, 123456, tzinfo=UTC)
    assert lean_row.next_attempt_at.tzinfo == UTC


def test_a_person_and_their_waiting_conversation_read_the_same_either_way(
        services: Services, cast: Cast) -> None:
    with services.turn() as turn:
        assert insert_new(turn.session, Conversation, {
            "channel": "slack", "ref": "DCARLOS:1.0001", "person_id": cast.carlos.id,
            "state": {"slots": {"awaiting": "description", "n": [1, "dos"]}},
            "updated_at": now()})
        turn.commit()
    params = {"follow_channel": "slack", "prefix": "DCARLOS:",
              "since": now() - timedelta(hours=1), "channel": "slack", "address": "UCARLOS"}
    with services.session_factory() as session, session.begin():
        connection = session.connection()
        lean_result = lean.run(connection, _SENDER_WAITING, params)
        lean_rows = lean_result.all()
        plain_rows = connection.execute(_SENDER_WAITING, params).all()
        nobody = lean.run(connection, person_row_query, {"channel": "slack", "address": "UX"})
        assert nobody.all() == [] and nobody.first() is None
    if _on_postgres(services):
        assert isinstance(lean_result, lean.LeanResult)  # the driver's cursor was used
    assert len(lean_rows) == 2  # one per address of the person
    assert [tuple(row) for row in lean_rows] == [tuple(row) for row in plain_rows]
    for lean_row, plain_row in zip(lean_rows, plain_rows, strict=True):
        for name in ("id", "name", "vip", "active", "created_at", "address_channel",
                     "address_value", "waiting_ref", "waiting_state"):
            assert getattr(lean_row, name) == getattr(plain_row, name)
            assert type(getattr(lean_row, name)) is type(getattr(plain_row, name))
    first = lean_rows[0]
    assert first.created_at.tzinfo == UTC and first.vip is False
    assert first.waiting_state == {"slots": {"awaiting": "description", "n": [1, "dos"]}}
    assert {row.address_channel: row.address_value for row in lean_rows} == {
        "slack": "UCARLOS", "email": "carlos@example.com"}


@pytest.mark.parametrize("way", WAYS)
def test_an_inbox_outcome_counts_the_rows_it_changed(services: Services, way: Any) -> None:
    inbox.receive(services, key="slack:EvLean", channel="slack", kind="event", body="{}")
    [row] = inbox.take(services, owner="me")
    statement = _finish_statement(("last_error", "status"))
    with services.session_factory() as session, session.begin():
        params = {"row_id": row.id, "claimed": row.attempts, "status": "done", "last_error": None}
        assert way(session.connection(), statement, params).rowcount == 1
        assert way(session.connection(), statement, params).rowcount == 0  # no longer working
    with services.session_factory() as session:
        assert session.get(InboxItem, row.id).status == "done"  # type: ignore[union-attr]


@pytest.mark.parametrize("way", WAYS)
def test_a_taken_key_and_a_naive_time_raise_the_same_errors_either_way(
        services: Services, way: Any) -> None:
    with services.session_factory() as session, session.begin():
        way(session.connection(), _OUTBOX_INSERT, _outbox_values("reply:taken"))
    with services.session_factory() as session, pytest.raises(IntegrityError) as raised:
        way(session.connection(), _OUTBOX_INSERT, _outbox_values("reply:taken"))
    assert "outbox" in str(raised.value)
    assert "INSERT INTO outbox" in str(raised.value.statement)
    naive = {**_outbox_values("reply:naive"), "created_at": datetime(2026, 3, 1, 9, 30)}
    with services.session_factory() as session, \
            pytest.raises(StatementError, match="naive datetime"):
        way(session.connection(), _OUTBOX_INSERT, naive)
    with services.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


@pytest.mark.postgres
@pytest.mark.parametrize("way", WAYS)
def test_a_broken_connection_is_invalidated_and_not_handed_out_again(
        pg_services: Services, way: Any) -> None:
    services = pg_services
    admin = create_engine(services.engine.url, isolation_level="AUTOCOMMIT")
    try:
        with services.session_factory() as session:
            session.begin()
            connection = session.connection()
            pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
            with admin.connect() as other:
                other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            with pytest.raises(OperationalError) as raised:
                way(connection, person_row_query, {"channel": "slack", "address": "UX"})
            assert raised.value.connection_invalidated
            assert connection.invalidated
        with services.session_factory() as session:  # the pool opens a fresh connection
            assert session.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
            assert lean.run(session.connection(), person_row_query,
                            {"channel": "slack", "address": "UX"}).all() == []
    finally:
        admin.dispose()


def _dm(services: Services, cast: Cast, key: str) -> Any:
    inbound = Inbound(channel="slack", ref="DCARLOS:1700000000.000100",
                      text="no puedo conectarme a la vpn desde casa",
                      messages=services.messages, dedupe_key=key, follow_up="DCARLOS:",
                      starts_thread=True, sender=("slack", "UCARLOS"))
    return converse(services, inbound, lambda: cast.carlos)


def _stored(services: Services) -> tuple[int, int, int, str]:
    with services.session_factory() as session:
        def count(model: type) -> int:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)

        status = session.scalar(select(InboxItem.status))
        return count(Conversation), count(OutboxMessage), count(ProcessedEvent), str(status)


def test_a_turn_that_fails_after_its_statements_leaves_nothing_and_its_retry_works(
        services: Services, cast: Cast) -> None:
    """The turn reads its sender, stores the conversation, queues the reply and marks its
    inbox row done, then finds its claim lost (another process took the row over): all of it
    is undone. The retry, under its new claim, stores everything once."""
    key = f"slack:Ev{uuid.uuid4().hex}"
    inbox.receive(services, key=key, channel="slack", kind="event", body="{}")
    [row] = inbox.take(services, owner="me")
    with services.session_factory() as session, session.begin():
        session.execute(update(InboxItem).values(attempts=InboxItem.attempts + 1))
    token = inbox.current_job.set(Job(row=row, done_in_commit=True))
    try:
        with pytest.raises(LostClaim):
            _dm(services, cast, key)
    finally:
        inbox.current_job.reset(token)
    assert _stored(services) == (0, 0, 0, "working")

    [again] = inbox.take(services, owner="me", now=now() + timedelta(hours=1))
    token = inbox.current_job.set(Job(row=again, done_in_commit=True))
    try:
        result = _dm(services, cast, key)
    finally:
        inbox.current_job.reset(token)
    assert result is not None and result.replies
    assert _stored(services) == (1, 1, 0, "done")  # the inbox row is the delivery's record
