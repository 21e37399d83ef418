"""``deskbot db upgrade`` / ``deskbot db check`` and ``deskbot seed`` (sample people)."""

from __future__ import annotations

import argparse

from actions.people import NewPerson, add_person
from bot.cli.common import services_from
from store.errors import Conflict

SAMPLE_PEOPLE = (
    NewPerson(name="Ana Torres", role="technician", team="L1", email="ana@example.com",
              language="es", timezone="America/Mexico_City"),
    NewPerson(name="Luis Pérez", role="technician", team="L2", email="luis@example.com",
              language="es", timezone="America/Mexico_City"),
    NewPerson(name="Marta Ruiz", role="lead", team="L1", email="marta@example.com",
              language="es", timezone="America/Mexico_City"),
    NewPerson(name="Sam Lee", role="technician", team="L3", email="sam@example.com",
              language="en", timezone="Europe/London"),
    NewPerson(name="Carlos Gómez", role="requester", email="carlos@example.com",
              language="es", timezone="America/Mexico_City"),
    NewPerson(name="Emma Brown", role="requester", email="emma@example.com",
              language="en", timezone="Europe/London"),
    NewPerson(name="Admin", role="admin", email="admin@example.com", language="en"),
)


def register(sub: argparse._SubParsersAction) -> None:
    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = db_sub.add_parser("upgrade", help="create or migrate the schema to the newest version")
    up.set_defaults(func=upgrade)
    check = db_sub.add_parser("check", help="say whether the schema matches the code")
    check.set_defaults(func=check_schema)
    seed = sub.add_parser("seed", help="add sample people (technicians, a lead, employees)")
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
    return 0
