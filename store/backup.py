"""A consistent copy of the desk's database, and putting one back.

SQLite: copying the file while the desk runs loses what is still in the write-ahead log (the
``-wal`` file), so the copy goes through SQLite's online backup API, which reads a consistent
snapshot through the database itself, log included, while others keep writing. Restoring uses
the same API in the other direction. PostgreSQL: ``pg_dump`` (custom format) and ``pg_restore``
when they are installed; otherwise ``PgTools`` says which commands to run.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, make_url


class BackupError(RuntimeError):
    """The backup or restore could not be done; the message says why and what to do."""


def sqlite_path(engine: Engine) -> Path | None:
    """The file of a SQLite desk; None for PostgreSQL (or an in-memory database)."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return None
    return Path(str(engine.url.database))


def libpq_url(engine: Engine) -> str:
    """The engine's URL as ``pg_dump`` understands it (no ``+psycopg`` driver part)."""
    url = make_url(engine.url.render_as_string(hide_password=False))
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def without_passwords(argv: list[str]) -> list[str]:
    """A command line fit to print: database URLs without their password."""
    return [make_url(a).render_as_string(hide_password=True) if a.startswith("postgresql")
            else a for a in argv]


def _copy(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    with target:
        source.backup(target, pages=1024)


def backup_sqlite(database: Path, file: Path) -> None:
    if not database.exists():
        raise BackupError(f"no database at {database}")
    source = sqlite3.connect(database, timeout=30)
    target = sqlite3.connect(file)
    try:
        _copy(source, target)
    finally:
        target.close()
        source.close()


def restore_sqlite(file: Path, database: Path) -> None:
    if not file.exists():
        raise BackupError(f"no backup at {file}")
    source = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
    try:
        tables = {row[0] for row in source.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "alembic_version" not in tables:
            raise BackupError(f"{file} is not a deskbot database backup")
        target = sqlite3.connect(database, timeout=30)
        try:
            _copy(source, target)
        finally:
            target.close()
    finally:
        source.close()


@dataclass(frozen=True)
class PgTools:
    """The PostgreSQL commands for a backup and a restore of this database."""

    url: str

    def dump(self, file: Path) -> list[str]:
        return ["pg_dump", "--format=custom", "--no-owner", f"--file={file}", self.url]

    def restore(self, file: Path) -> list[str]:
        return ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
                "--dbname", self.url, str(file)]

    @staticmethod
    def installed(command: str) -> bool:
        return shutil.which(command) is not None

    @staticmethod
    def run(command: list[str]) -> None:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise BackupError(f"{command[0]} failed: {done.stderr.strip()[:2000]}")
