"""A fresh, migrated desk for a benchmark: a SQLite file in a work folder, or a database of its
own on the local PostgreSQL server (dropped and created again, so every run starts empty)."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import create_engine, text

from actions.people import sync_teams
from actions.services import Services, build_services
from actions.settings import load_settings
from store.migrate import upgrade

PG_SERVER = os.environ.get("DESKBOT_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")


def fresh_desk(backend: str, name: str, workdir: Path) -> Services:
    """Services over an empty database called ``name`` (``sqlite`` or ``postgresql``), migrated
    to the code's head and with the configured teams in it."""
    settings = load_settings(env={})
    if backend == "sqlite":
        url = f"sqlite:///{workdir / f'{name}.db'}"
    else:
        admin = create_engine(f"{PG_SERVER}/test", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = f"{PG_SERVER}/{name}"
    services = build_services(settings, database_url=url)
    upgrade(services.engine)
    sync_teams(services.uow(), settings)
    return services
