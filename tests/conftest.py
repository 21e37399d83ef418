"""Shared fixtures: the desk on a real database, SQLite and PostgreSQL.

PostgreSQL is the server on 127.0.0.1:5432 (trust auth); each pytest-xdist worker gets its own
database (``deskbot_test_<worker>``) created from the ``test`` database. When the server cannot be
reached the PostgreSQL tests *fail*: CI must never pass by silently skipping them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from actions.people import NewPerson, add_person, sync_teams
from actions.services import Services, build_services, set_default_services
from actions.settings import Settings, load_settings
from actions.views import PersonView
from store.migrate import upgrade
from store.models import Base

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("DESKBOT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")


def _worker() -> str:
    """A name for this test process, unique across concurrent pytest runs on one server."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", "")[:8] or f"p{os.getpid()}"
    return f"{run}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


@pytest.fixture(scope="session")
def settings() -> Settings:
    return load_settings(ROOT / "config.yml", env={})


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating every time would be slow)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    from store.db import make_engine

    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # the last connection to close checkpoints the WAL into the file
    return path


@contextmanager
def fresh_postgres_database(prefix: str) -> Iterator[str]:
    """An empty database of this test process on the test server, dropped afterwards.

    Fails (never skips) when the server cannot be reached: CI must not pass without PostgreSQL.
    """
    name = f"{prefix}_{_worker()}"
    admin = create_engine(f"{PG_SERVER}/test", isolation_level="AUTOCOMMIT")
    try:
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        except Exception as exc:  # noqa: BLE001
            pytest.fail(f"PostgreSQL is not reachable at {PG_SERVER}: {exc}. "
                        "Start it (bash .ci/postgres) — these tests must not be skipped.")
        yield f"{PG_SERVER}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A migrated PostgreSQL database of this worker's own."""
    from store.db import make_engine

    with fresh_postgres_database("deskbot_test") as url:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url


def _truncate_postgres(services: Services) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with services.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def make_services(kind: str, settings: Settings, tmp_path: Path, request: pytest.FixtureRequest,
                  ) -> Services:
    if kind == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "desk.db"
        shutil.copy(template, path)
        services = build_services(settings, database_url=f"sqlite:///{path}")
    else:
        services = build_services(settings, database_url=request.getfixturevalue("postgres_url"))
        _truncate_postgres(services)
    sync_teams(services.uow(), settings)
    return services


def _desk(kind: str, settings: Settings, tmp_path: Path, request: pytest.FixtureRequest,
          ) -> Iterator[Services]:
    """A desk on ``kind``, installed as the process's default services while the test runs."""
    svc = make_services(kind, settings, tmp_path, request)
    set_default_services(svc)
    yield svc
    set_default_services(None)
    svc.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def services(request: pytest.FixtureRequest, settings: Settings, tmp_path: Path,
             ) -> Iterator[Services]:
    """The desk on each database in turn: store and use-case tests run twice."""
    yield from _desk(request.param, settings, tmp_path, request)


@pytest.fixture
def sqlite_services(request: pytest.FixtureRequest, settings: Settings, tmp_path: Path,
                    ) -> Iterator[Services]:
    """The desk on SQLite only, for channel tests where the database is not the point."""
    yield from _desk("sqlite", settings, tmp_path, request)


@pytest.fixture
def pg_services(request: pytest.FixtureRequest, settings: Settings, tmp_path: Path,
                ) -> Iterator[Services]:
    """The desk on PostgreSQL only (races, locking, several processes)."""
    svc = make_services("postgres", settings, tmp_path, request)
    yield svc
    svc.close()


@dataclass(frozen=True)
class Cast:
    """The people of a typical desk."""

    carlos: PersonView  # employee, Spanish
    emma: PersonView  # employee, English
    ana: PersonView  # L1 technician
    luis: PersonView  # L2 technician
    sam: PersonView  # L3 technician
    marta: PersonView  # L1 lead
    admin: PersonView


def add_cast(services: Services) -> Cast:
    def add(**kw: object) -> PersonView:
        return add_person(services.uow(), NewPerson(**kw))  # type: ignore[arg-type]

    return Cast(
        carlos=add(name="Carlos Gómez",
                   addresses={"slack": "UCARLOS", "email": "carlos@example.com"},
                   language="es", timezone="America/Mexico_City"),
        emma=add(name="Emma Brown", addresses={"slack": "UEMMA", "email": "emma@example.com"},
                 language="en", timezone="Europe/London"),
        ana=add(name="Ana Torres", role="technician", team="L1",
                addresses={"slack": "UANA", "email": "ana@example.com"}),
        luis=add(name="Luis Pérez", role="technician", team="L2",
                 addresses={"slack": "ULUIS", "email": "luis@example.com"}),
        sam=add(name="Sam Lee", role="technician", team="L3",
                addresses={"slack": "USAM", "email": "sam@example.com"}, language="en"),
        marta=add(name="Marta Ruiz", role="lead", team="L1",
                  addresses={"slack": "UMARTA", "email": "marta@example.com"}),
        admin=add(name="Admin", role="admin", addresses={"email": "admin@example.com"},
                  language="en"),
    )


@pytest.fixture
def cast(request: pytest.FixtureRequest) -> Cast:
    """The cast in whichever desk the test uses (``services``, ``pg_services`` ...)."""
    for name in ("services", "pg_services", "sqlite_services"):
        if name in request.fixturenames:
            return add_cast(request.getfixturevalue(name))
    return add_cast(request.getfixturevalue("services"))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many tests ran against PostgreSQL, so a run that skipped them is visible."""
    counts: dict[str, int] = {}
    for outcome in ("passed", "failed", "error", "skipped"):
        for report in terminalreporter.stats.get(outcome, []):
            if getattr(report, "when", "call") in ("call", "setup") and \
                    "postgres" in getattr(report, "keywords", {}):
                if outcome == "passed" and report.when != "call":
                    continue
                counts[outcome] = counts.get(outcome, 0) + 1
    if counts:
        summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
        terminalreporter.write_line(f"PostgreSQL tests: {summary}")
