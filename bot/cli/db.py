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
from bot.cli.common import add_lang, services_from, tell
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
    add_lang(up)
    check = db_sub.add_parser("check", help="say whether the schema matches the code")
    check.set_defaults(func=check_schema)
    add_lang(check)
    backup = db_sub.add_parser("backup", help="a consistent copy of the database, while it runs")
    backup.add_argument("file", type=Path)
    backup.set_defaults(func=backup_database)
    add_lang(backup)
    restore = db_sub.add_parser("restore", help="replace the database with a backup "
                                                "(stop deskbot run first)")
    restore.add_argument("file", type=Path)
    restore.set_defaults(func=restore_database)
    add_lang(restore)
    seed = sub.add_parser("seed", help="add sample people (technicians, a lead, employees)")
    seed.add_argument("--demo", action="store_true",
                      help="also write a realistic history of tickets, surveys and FAQ answers")
    seed.add_argument("--days", type=int, default=90, help="days of demo history (default 90)")
    seed.add_argument("--per-day", type=float, default=12.0,
                      help="demo tickets on a working day (default 12)")
    seed.set_defaults(func=seed_people)
    add_lang(seed)


def upgrade(args: argparse.Namespace) -> int:
    services = services_from(args, migrate=True)
    from store.migrate import current_revision

    url = services.engine.url.render_as_string(hide_password=True)
    tell(services, args, "db_upgraded", url=url, revision=current_revision(services.engine),
         teams=", ".join(sorted(services.settings.teams)))
    return 0


def check_schema(args: argparse.Namespace) -> int:
    services = services_from(args)
    from store.migrate import current_revision, pending_model_changes

    revision = current_revision(services.engine)
    if revision is None:
        tell(services, args, "db_empty")
        return 1
    diff = pending_model_changes(services.engine)
    if diff:
        tell(services, args, "schema_differs", revision=revision)
        for item in diff:
            print(f"  {item}")
        return 1
    tell(services, args, "schema_matches", revision=revision)
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
    tell(services, args, "sample_people", added=added, existing=len(SAMPLE_PEOPLE) - added)
    if args.demo:
        return seed_demo_history(args, services)
    return 0


def seed_demo_history(args: argparse.Namespace, services: Services) -> int:
    from actions.demo import ensure_demo_people, seed_demo

    if not 1 <= args.days <= 3650 or not 0 < args.per_day <= 2000:
        tell(services, args, "seed_limits", err=True)
        return 2
    ensure_demo_people(services.uow)
    articles = tuple(a.id for a in services.matcher.articles)
    totals = seed_demo(services.uow(), services.settings, days=args.days, per_day=args.per_day,
                       articles=articles)
    tell(services, args, "demo_history", days=args.days, totals=totals)
    return 0


def backup_database(args: argparse.Namespace) -> int:
    from store.backup import BackupError, PgTools, backup_sqlite, libpq_url, sqlite_path

    services = services_from(args)
    path = sqlite_path(services.engine)
    try:
        if path is not None:
            if args.file.exists():
                tell(services, args, "backup_exists", err=True, file=args.file)
                return 1
            backup_sqlite(path, args.file)
            tell(services, args, "backed_up", source=path, file=args.file)
            return 0
        tools = PgTools(libpq_url(services.engine))
        if not tools.installed("pg_dump"):
            return _pg_guidance(services, args, "pg_dump", tools.dump(args.file))
        tools.run(tools.dump(args.file))
    except BackupError as exc:
        print(f"deskbot: {exc}", file=sys.stderr)
        return 1
    tell(services, args, "backed_up", source=_shown(services), file=args.file, pg_dump=True)
    return 0


def restore_database(args: argparse.Namespace) -> int:
    from store.backup import BackupError, PgTools, libpq_url, restore_sqlite, sqlite_path

    services = services_from(args)
    path = sqlite_path(services.engine)
    try:
        if path is not None:
            services.engine.dispose()
            restore_sqlite(args.file, path)
            tell(services, args, "restored", file=args.file, into=path)
            return 0
        tools = PgTools(libpq_url(services.engine))
        if not tools.installed("pg_restore"):
            return _pg_guidance(services, args, "pg_restore", tools.restore(args.file))
        tools.run(tools.restore(args.file))
    except BackupError as exc:
        print(f"deskbot: {exc}", file=sys.stderr)
        return 1
    tell(services, args, "restored", file=args.file, into=_shown(services))
    return 0


def _shown(services: object) -> str:
    return services.engine.url.render_as_string(hide_password=True)  # type: ignore[attr-defined]


def _pg_guidance(services: Services, args: argparse.Namespace, command: str,
                 argv: list[str]) -> int:
    """The PostgreSQL client tool is missing here: the exact command to run where it is."""
    from store.backup import without_passwords

    tell(services, args, "pg_missing", err=True, command=command,
         argv=" ".join(without_passwords(argv)))
    return 2
