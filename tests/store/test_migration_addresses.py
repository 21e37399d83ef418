"""Revision 0010 moves Slack ids, emails and triage channels into the address tables and back.

A desk that ran before it keeps every address: the person is still recognised by their Slack id
and mailbox, the team's triage channel still gets its notices, and a downgrade restores the
columns with the same values. Run on SQLite (where ``people`` is rebuilt under enforced foreign
keys) and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text

from store.db import make_engine
from store.migrate import current_revision, downgrade, pending_model_changes, upgrade
from tests.conftest import fresh_postgres_database

BEFORE = "0008"


def _desk_of_0008(engine: Engine) -> None:
    upgrade(engine, BEFORE)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO teams (code, name, slack_channel) VALUES "
                          "('L1', 'Soporte', 'C0123456789'), ('L2', 'Redes', '')"))
        conn.execute(text(
            "INSERT INTO people (id, name, slack_id, email, role, team_code, language, timezone,"
            " vip, active, created_at) VALUES "
            "(1, 'Ana Torres', 'UANA', 'ana@example.com', 'technician', 'L1', 'es', 'UTC',"
            " false, true, :now),"
            "(2, 'Carlos Gómez', NULL, 'carlos@example.com', 'requester', NULL, 'es', 'UTC',"
            " false, true, :now),"
            "(3, 'Sin Datos', NULL, NULL, 'requester', NULL, 'en', 'UTC', false, true, :now)"),
            {"now": now})
        # A row that points at a person: rebuilding ``people`` must keep it valid.
        conn.execute(text("INSERT INTO sign_in_links (token_hash, person_id, created_at,"
                          " expires_at) VALUES ('abc', 1, :now, :later)"),
                     {"now": now, "later": now + timedelta(minutes=5)})


def _rows(engine: Engine, query: str) -> set[tuple[object, ...]]:
    with engine.connect() as conn:
        return {tuple(row) for row in conn.execute(text(query))}


def _check(engine: Engine) -> None:
    _desk_of_0008(engine)
    upgrade(engine)
    assert _rows(engine, "SELECT person_id, channel, address FROM person_channels") == {
        (1, "slack", "UANA"), (1, "email", "ana@example.com"), (2, "email", "carlos@example.com")}
    assert _rows(engine, "SELECT team_code, channel, address FROM team_channels") == {
        ("L1", "slack", "C0123456789")}
    assert _rows(engine, "SELECT id, name, team_code FROM people") == {
        (1, "Ana Torres", "L1"), (2, "Carlos Gómez", None), (3, "Sin Datos", None)}
    assert _rows(engine, "SELECT person_id FROM sign_in_links") == {(1,)}
    assert pending_model_changes(engine) == []

    downgrade(engine, BEFORE)
    assert current_revision(engine) == BEFORE
    assert _rows(engine, "SELECT id, slack_id, email FROM people") == {
        (1, "UANA", "ana@example.com"), (2, None, "carlos@example.com"), (3, None, None)}
    assert _rows(engine, "SELECT code, slack_channel FROM teams") == {
        ("L1", "C0123456789"), ("L2", "")}
    assert _rows(engine, "SELECT person_id FROM sign_in_links") == {(1,)}
    upgrade(engine)  # and up again, from the restored columns
    assert len(_rows(engine, "SELECT person_id, channel FROM person_channels")) == 3


@pytest.fixture
def sqlite_engine(tmp_path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'desk.db'}")
    yield engine
    engine.dispose()


def test_sqlite_addresses_move_to_their_tables_and_back(sqlite_engine: Engine) -> None:
    _check(sqlite_engine)
    with sqlite_engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []


@pytest.mark.postgres
def test_postgres_addresses_move_to_their_tables_and_back() -> None:
    with fresh_postgres_database("deskbot_addresses") as url:
        engine = make_engine(url)
        try:
            _check(engine)
        finally:
            engine.dispose()
