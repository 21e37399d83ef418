"""``deskbot audit export|security``: the ISO 27001 audit trail, and completing a SEC- record.

``export`` writes every ticket with its full event history (internal events marked) and, for
SEC- tickets, the incident record of seed 004's "Procedimiento". ``security`` fills in that
record from the command line; every change is itself an internal event of the ticket.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from datetime import datetime
from typing import Any

from actions.services import Services
from bot.cli.common import add_lang, fail, lang_of, services_from, tell
from bot.cli.dates import parse_when, since_arg, until_arg


def register(sub: argparse._SubParsersAction) -> None:
    audit = sub.add_parser("audit", help="ISO 27001 audit export and security records",
                           description=__doc__)
    a_sub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)

    export = a_sub.add_parser("export", help="every ticket with its full history")
    export.add_argument("--since", type=since_arg, metavar="DATE",
                        help="tickets opened from this ISO date or date-time (default: all)")
    export.add_argument("--until", type=until_arg, metavar="DATE",
                        help="tickets opened before this (a bare date includes that day)")
    export.add_argument("--kind", choices=("incident", "request", "security"),
                        help="only this kind of ticket (security = SEC-)")
    export.add_argument("--format", choices=("json", "csv"), default="json")
    export.add_argument("--out", metavar="FILE", help="write here instead of standard output")
    add_lang(export)
    export.set_defaults(func=cmd_export)

    sec = a_sub.add_parser("security", help="complete the ISO 27001 record of a SEC- ticket")
    sec.add_argument("key", help="e.g. SEC-3")
    sec.add_argument("--set", dest="fields", action="append", default=[], metavar="FIELD=VALUE",
                     help="repeatable; times in ISO 8601 (UTC unless zoned). Fields: "
                          "discovered_where, discovered_by, discovered_at, discoverer_action, "
                          "reported_to, report_written_at, severity (low|medium|high|critical), "
                          "owner_learned_at, owner_action, followup_by, followup_at")
    sec.add_argument("--as", dest="actor", metavar="PERSON",
                     help="who records it (id, email or name; default: the only admin)")
    add_lang(sec)
    sec.set_defaults(func=cmd_security)


def cmd_export(args: argparse.Namespace) -> int:
    from actions.audit import SECURITY_QUESTIONS, iter_audit, write_csv, write_json
    from actions.common import now
    from store.errors import DeskError

    services = services_from(args, migrate=True)
    partial = f"{args.out}.part" if args.out else None
    try:
        with (open(partial, "w", encoding="utf-8", newline="") if partial
              else contextlib.nullcontext(sys.stdout)) as out:
            tickets = iter_audit(services.uow(), since=args.since, until=args.until,
                                 kind=args.kind)
            if args.format == "csv":
                count = write_csv(out, tickets)
            else:
                meta = {"exported_at": now(), "since": args.since, "until": args.until,
                        "kind": args.kind, "security_questions": SECURITY_QUESTIONS}
                count = write_json(out, tickets, meta)
        if partial:
            os.replace(partial, args.out)  # a half-written export never takes the real name
    except DeskError as exc:
        return fail(exc, services, lang_of(args, services))
    finally:
        services.close()
        if partial and os.path.exists(partial):
            os.remove(partial)
    if args.out:
        tell(services, args, "exported", err=True, count=count, file=args.out)
    return 0


def parse_fields(pairs: list[str]) -> dict[str, Any]:
    """``["severity=high", "discovered_at=2026-11-25 14:05"]`` -> typed values.

    A pair that is not FIELD=VALUE, or a time that is not ISO 8601, raises ``ValueError`` with
    the pair as typed, for a message in the admin's language."""
    from actions.intake import SECURITY_FIELDS

    fields: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ValueError(pair)
        if SECURITY_FIELDS.get(name) is datetime:
            try:
                fields[name] = parse_when(value)
            except ValueError as exc:
                raise ValueError(pair) from exc
        else:
            fields[name] = value.strip()
    return fields


def cmd_security(args: argparse.Namespace) -> int:
    from actions.intake import record_security_details
    from store.errors import DeskError

    try:
        fields = parse_fields(args.fields)
    except ValueError as exc:
        tell(None, args, "bad_field", err=True, pair=str(exc))
        return 2
    if not fields:
        tell(None, args, "nothing_to_record", err=True)
        return 2
    services = services_from(args, migrate=True)
    try:
        actor = _actor(services, args.actor)
        if actor is None:
            tell(services, args, "who_records", err=True)
            return 2
        record = record_security_details(services.uow(), key=args.key, actor_id=actor,
                                         fields=fields)
    except DeskError as exc:
        return fail(exc, services, lang_of(args, services))
    finally:
        services.close()
    tell(services, args, "security_record", key=args.key.upper(),
         fields=[(name, value.isoformat() if isinstance(value, datetime) else value)
                 for name, value in record.items()])
    return 0


def _actor(services: Services, ref: str | None) -> int | None:
    with services.uow() as uow:
        if ref:
            return uow.people.find(ref).id
        admins = [p for p in uow.people.list(role="admin") if p.active]
        return admins[0].id if len(admins) == 1 else None
