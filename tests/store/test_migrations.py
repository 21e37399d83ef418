"""Migrations build the whole schema from nothing, and agree with the models, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from store.db import make_engine
from store.migrate import current_revision, pending_model_changes, upgrade
from store.models import Base
from tests.conftest import fresh_postgres_database


def _check(engine) -> None:
    assert current_revision(engine) is None
    upgrade(engine)
    assert current_revision(engine) is not None
    tables = set(inspect(engine).get_table_names())
    assert {t.name for t in Base.metadata.sorted_tables} <= tables
    assert pending_model_changes(engine) == []
    upgrade(engine)  # a second upgrade is a no-op, not an error


def test_sqlite_upgrade_from_empty(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        _check(engine)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgres_upgrade_from_empty():
    with fresh_postgres_database("deskbot_migrations") as url:
        engine = make_engine(url)
        try:
            _check(engine)
        finally:
            engine.dispose()
