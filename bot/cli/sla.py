"""``deskbot sla show KEY`` and ``deskbot sla sweep``: the SLA of a ticket, and the timed jobs
run once by hand (what the scheduler of ``deskbot run`` does every minute)."""

from __future__ import annotations

import argparse
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.cli.common import add_lang, fail, lang_of, print_json, say, services_from, tell
from store.errors import DeskError

#: What one sweep did, in the order it is printed (cli.j2 words each).
SWEPT = ("warnings", "breaches", "escalations", "pending_reminders", "auto_resolved",
         "survey_reminders", "auto_closed")


def register(sub: argparse._SubParsersAction) -> None:
    sla = sub.add_parser("sla", help="SLA of a ticket; run the SLA sweep once")
    s_sub = sla.add_subparsers(dest="sla_command", metavar="ACTION", required=True)

    show = s_sub.add_parser("show", help="targets, due times, time left, paused, breached")
    show.add_argument("key", help="e.g. INC-12")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    add_lang(show)
    show.set_defaults(func=cmd_show)

    sweep = s_sub.add_parser("sweep", help="send due SLA warnings, breaches and reminders now")
    sweep.add_argument("--limit", type=int, default=500, help="tickets per job (default 500)")
    sweep.add_argument("--json", action="store_true")
    add_lang(sweep)
    sweep.set_defaults(func=cmd_sweep)


def _when(value: datetime | None, zone: ZoneInfo) -> str:
    if value is None:
        return "-"
    local = value.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M %Z} ({value:%Y-%m-%d %H:%M} UTC)"


def cmd_show(args: argparse.Namespace) -> int:
    from actions.common import now
    from actions.sla import describe_left, ticket_sla

    services = services_from(args, migrate=True)
    try:
        status = ticket_sla(services, args.key, now())
    except DeskError as exc:
        return fail(exc, services, lang_of(args, services))
    if args.json:
        print_json(status.to_dict())
        return 0
    zone = ZoneInfo(status.timezone)
    lang = lang_of(args, services)

    def span(minutes: float | None) -> str:
        return describe_left(minutes, lang).removesuffix(" left").removeprefix("quedan ")

    targets = [{
        "name": target.target, "target": span(target.minutes), "due": _when(target.due_at, zone),
        "done": _when(target.done_at, zone) if target.done_at is not None else "",
        "left": describe_left(target.minutes_left, lang), "breached": target.breached,
        "warned": target.warned,
    } for target in (status.response, status.resolution)]
    print(say(services, args, "sla_show", status=status,
              label=services.plain.status(status.status, lang), targets=targets,
              paused_since=_when(status.paused_since, zone) if status.paused_since else "",
              waited=span(status.paused_minutes) if status.paused_minutes else ""))
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from actions.sweep import sweep

    services = services_from(args, migrate=True)
    report = sweep(services, limit=args.limit)
    if args.json:
        print_json(report.to_dict())
        return 0
    for what in SWEPT:
        items = getattr(report, what)
        if items:
            tell(services, args, "swept", what=what, items=list(items))
    if not report.actions:
        tell(services, args, "nothing_due", checked=report.checked)
    return 0
