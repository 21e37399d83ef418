"""``deskbot db upgrade|check|backup|restore`` and ``deskbot seed`` (sample people).

``upgrade`` is the deploy step: run it once before starting the new processes (``deskbot run``
also migrates at start, under a lock, so two processes starting together do not both migrate).
``backup`` takes a consistent copy while the desk runs; ``restore`` puts one back (stop the
desk's processes first).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from actions.people import NewPerson, add_person
from bot.cli.common import services_from
from store.errors import Conflict

if TYPE_CHECKING:
    from actions.services import Services

SAMPLE_PEOPLE = (
    NewPerson(name="Ana Torres", role="technician", team="L1",
              addresses={"email": "ana@example.com"},
              language="es", timezone="America/Mexico_City"),
    NewPerson(name="Luis Pérez", role="technician", team="L2",
              addresses={"email": "luis@example.com"},
              language="es", timezone="America/Mexico_City"),
    NewPerson(name="Marta Ruiz", role="lead", team="L1", addresses={"email": "marta@example.com"},
              language="es", timezone="America/Mexico_City"),
    NewPerson(name="Sam Lee", role="technician", team="L3", addresses={"email": "sam@example.com"},
              language="en", timezone="Europe/London"),
    NewPerson(name="Carlos Gómez", role="requester", addresses={"email": "carlos@example.com"},
              language="es", timezone="America/Mexico_City"),
    NewPerson(name="Emma Brown", role="requester", addresses={"email": "emma@example.com"},
              language="en", timezone="Europe/London"),
    NewPerson(name="Admin", role="admin", addresses={"email": "admin@example.com"}, language="en"),
)


def register(sub: argparse._SubParsersAction) -> None:
    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = db_sub.add_parser("upgrade", help="create or migrate the schema to the newest version")
    up.set_defaults(func=upgrade)
    check = db_sub.add_parser("check", help="say whether the schema matches the code")
    check.set_defaults(func=check_schema)
    backup = db_sub.add_parser("backup", help="a consistent copy of the database, while it runs")
    backup.add_argument("file", type=Path)
    backup.set_defaults(func=backup_database)
    restore = db_sub.add_parser("restore", help="replace the database with a backup "
                                                "(stop deskbot run first)")
    restore.add_argument("file", type=Path)
    restore.set_defaults(func=restore_database)
    seed = sub.add_parser("seed", help="add sample people (technicians, a lead, employees)")
    seed.add_argument("--demo", action="store_true",
                      help="also write a realistic history of tickets, surveys and FAQ answers")
    seed.add_argument("--days", type=int, default=90, help="days of demo history (default 90)")
    seed.add_argument("--per-day", type=float, default=12.0,
                      help="demo tickets on a working day (default 12)")
    seed.set_defaults(func=seed_people)


def upgrade(args: argparse.Namespace) -> int:
    services = services_from(args, migrate=True)
    from store.migrate import current_revision

    url = services.engine.url.render_as_string(hide_password=True)
    print(f"database {url} at revision {current_revision(services.engine)}; "
          f"teams: {', '.join(sorted(services.settings.teams))}")
    return 0


def check_schema(args: argparse.Namespace) -> int:
    services = services_from(args)
    from store.migrate import current_revision, pending_model_changes

    revision = current_revision(services.engine)
    if revision is None:
        print("database is empty: run `deskbot db upgrade`")
        return 1
    diff = pending_model_changes(services.engine)
    if diff:
        print(f"schema at {revision} differs from the models:")
        for item in diff:
            print(f"  {item}")
        return 1
    print(f"schema at {revision} matches the models")
    return 0


def seed_people(args: argparse.Namespace) -> int:
    services = services_from(args, migrate=True)
    added = 0
    for person in SAMPLE_PEOPLE:
        try:
            add_person(services.uow(), person)
            added += 1
        except Conflict:
            pass
    print(f"sample people: {added} added, {len(SAMPLE_PEOPLE) - added} already there")
    if args.demo:
        return seed_demo_history(args, services)
    return 0


def seed_demo_history(args: argparse.Namespace, services: Services) -> int:
    from actions.demo import ensure_demo_people, seed_demo

    if not 1 <= args.days <= 3650 or not 0 < args.per_day <= 2000:
        print("deskbot seed: --days must be 1-3650 and --per-day 1-2000", file=sys.stderr)
        return 2
    ensure_demo_people(services.uow)
    articles = tuple(a.id for a in services.matcher.articles)
    totals = seed_demo(services.uow(), services.settings, days=args.days, per_day=args.per_day,
                       articles=articles)
    print(f"demo history of {args.days} days: {totals['tickets']} tickets, {totals['events']} "
          f"events, {totals['surveys']} survey answers, {totals['deflections']} FAQ answers")
    return 0


def backup_database(args: argparse.Namespace) -> int:
    from store.backup import BackupError, PgTools, backup_sqlite, libpq_url, sqlite_path

    services = services_from(args)
    path = sqlite_path(services.engine)
    try:
        if path is not None:
            if args.file.exists():
                print(f"deskbot: {args.file} exists; choose a new file", file=sys.stderr)
                return 1
            backup_sqlite(path, args.file)
            print(f"backed up {path} to {args.file}")
            return 0
        tools = PgTools(libpq_url(services.engine))
        if not tools.installed("pg_dump"):
            return _pg_guidance(tools, args.file, "pg_dump", tools.dump(args.file))
        tools.run(tools.dump(args.file))
    except BackupError as exc:
        print(f"deskbot: {exc}", file=sys.stderr)
        return 1
    print(f"backed up {_shown(services)} to {args.file} (pg_dump custom format)")
    return 0


def restore_database(args: argparse.Namespace) -> int:
    from store.backup import BackupError, PgTools, libpq_url, restore_sqlite, sqlite_path

    services = services_from(args)
    path = sqlite_path(services.engine)
    try:
        if path is not None:
            services.engine.dispose()
            restore_sqlite(args.file, path)
            print(f"restored {args.file} into {path}")
            return 0
        tools = PgTools(libpq_url(services.engine))
        if not tools.installed("pg_restore"):
            return _pg_guidance(tools, args.file, "pg_restore", tools.restore(args.file))
        tools.run(tools.restore(args.file))
    except BackupError as exc:
        print(f"deskbot: {exc}", file=sys.stderr)
        return 1
    print(f"restored {args.file} into {_shown(services)}")
    return 0


def _shown(services: object) -> str:
    return services.engine.url.render_as_string(hide_password=True)  # type: ignore[attr-defined]


def _pg_guidance(tools: object, file: Path, command: str, argv: list[str]) -> int:
    from store.backup import without_passwords

    hidden = without_passwords(argv)
    print(f"deskbot: {command} is not installed here (Debian: apt-get install "
          f"postgresql-client). Run it where it is:\n  {' '.join(hidden)}", file=sys.stderr)
    return 2
