"""``deskbot ticket show|list|history``: the admin's and auditor's view of tickets."""

from __future__ import annotations

import argparse
from typing import Any

from actions.intake import security_record
from actions.messages import shorten
from actions.queries import list_tickets, show_ticket
from actions.services import Services
from actions.views import TicketView
from bot.cli.common import add_lang, fail, lang_of, print_json, print_table, say, services_from
from store.errors import DeskError
from store.lifecycle import FINAL, Status


def register(sub: argparse._SubParsersAction) -> None:
    ticket = sub.add_parser("ticket", help="show, list and trace tickets")
    t_sub = ticket.add_subparsers(dest="ticket_command", metavar="ACTION", required=True)

    show = t_sub.add_parser("show", help="one ticket: status, people, times, survey")
    show.add_argument("key", help="e.g. INC-12")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    add_lang(show)
    show.set_defaults(func=cmd_show)

    ls = t_sub.add_parser("list", help="tickets, most urgent first")
    ls.add_argument("--status", action="append", choices=[s.value for s in Status],
                    help="only these statuses (repeatable)")
    ls.add_argument("--team")
    ls.add_argument("--requester", metavar="NAME",
                    help="only tickets of this person (name or email)")
    ls.add_argument("--text", metavar="WORDS",
                    help="fuzzy search over title, description and comments, best first")
    ls.add_argument("--limit", type=int, default=200)
    ls.add_argument("--json", action="store_true")
    add_lang(ls)
    ls.set_defaults(func=cmd_list)

    hist = t_sub.add_parser("history", help="every event of a ticket, internal ones included")
    hist.add_argument("key")
    hist.add_argument("--json", action="store_true")
    add_lang(hist)
    hist.set_defaults(func=cmd_history)


def _show_dict(services: Services, ticket: TicketView) -> dict[str, Any]:
    from actions.details import ticket_details

    data = ticket.to_dict()
    data.pop("history", None)
    data["sla"] = _sla(services, ticket)
    data.update(ticket_details(services.uow(), ticket.key))
    if ticket.kind == "security":
        with services.uow() as uow:
            record = security_record(uow, uow.tickets.get(ticket.key))
        data["security_record"] = {k: (v.isoformat() if hasattr(v, "isoformat") else v)
                                   for k, v in record.items()}
    return data


def _sla(services: Services, ticket: TicketView) -> dict[str, Any]:
    """Where the ticket stands against its SLA right now (see ``deskbot sla show``)."""
    from actions.common import now
    from actions.sla import sla_status
    from actions.sla_clock import calendar_for

    return sla_status(ticket, services.settings.sla, calendar_for(services.settings.sla),
                      now(), timezone=ticket.requester.timezone).to_dict()


def _sla_lines(services: Services, args: argparse.Namespace, sla: dict[str, Any]) -> list[str]:
    from actions.sla import describe_left

    lines = []
    for name in ("response", "resolution"):
        target = sla.get(name) or {}
        if target.get("minutes_left") is not None and sla.get("status") not in FINAL:
            lines.append(say(services, args, "sla_line", name=name,
                             left=describe_left(target["minutes_left"], lang_of(args, services)),
                             paused=bool(sla.get("paused")), breached=bool(target.get("breached"))))
    return lines


def cmd_show(args: argparse.Namespace) -> int:
    services = services_from(args, migrate=True)
    try:
        ticket = show_ticket(services.uow(), key=args.key, actor_id=None)
    except DeskError as exc:
        return fail(exc, services, lang_of(args, services))
    data = _show_dict(services, ticket)
    if args.json:
        print_json(data)
        return 0
    times = [(name.removesuffix("_at"), f"{getattr(ticket, name):%Y-%m-%d %H:%M} UTC")
             for name in ("created_at", "first_response_at", "response_due_at",
                          "resolution_due_at", "resolved_at", "closed_at")
             if getattr(ticket, name) is not None]
    print(say(services, args, "ticket_show", ticket=ticket, times=times, survey=ticket.survey,
              aliases=data.get("aliases") or [], followers=data.get("followers") or [],
              links=data.get("links") or [], attachments=data.get("attachments") or []))
    for line in _sla_lines(services, args, data.get("sla") or {}):
        print(line)
    if "security_record" in data:
        print("  ISO 27001 record:")
        for name, value in data["security_record"].items():
            print(f"    {name:<20} {value if value is not None else '-'}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    services = services_from(args, migrate=True)
    try:
        if args.text or args.requester:
            tickets = _found(services, args)
        else:
            tickets = list_tickets(services.uow(), statuses=args.status, team=args.team,
                                   limit=args.limit)
    except DeskError as exc:
        return fail(exc, services, lang_of(args, services))
    if args.json:
        print_json([_show_dict(services, t) for t in tickets])
        return 0
    if not tickets:
        print(say(services, args, "no_tickets"))
        return 0
    lang = lang_of(args, services)
    print_table(
        [[t.key, services.plain.status(t.status, lang), t.priority, t.team or "-",
          t.assignee.name if t.assignee else "-", t.requester.name, shorten(t.title, 60)]
         for t in tickets],
        say(services, args, "ticket_headers").split("|"),
    )
    return 0


def _found(services: Services, args: argparse.Namespace) -> list[TicketView]:
    """Tickets matching ``--text`` (best first) and ``--requester``, within the other filters."""
    from actions.search import SearchFilter, search

    statuses = args.status or [None]
    hits = [hit for status in statuses for hit in search(
        services.uow(), actor_id=None, words=args.text or "", limit=args.limit,
        filters=SearchFilter(team=args.team, status=status, requester=args.requester))]
    hits.sort(key=lambda h: -h.score)
    return [h.ticket for h in hits][: args.limit]


def cmd_history(args: argparse.Namespace) -> int:
    services = services_from(args, migrate=True)
    try:
        ticket = show_ticket(services.uow(), key=args.key, actor_id=None)
    except DeskError as exc:
        return fail(exc, services, lang_of(args, services))
    if args.json:
        print_json([e.__dict__ for e in ticket.history])
        return 0
    print(f"{ticket.key}  {ticket.title}")
    for event in ticket.history:
        detail = ", ".join(f"{k}={v}" for k, v in event.payload.items() if v not in (None, ""))
        print(say(services, args, "history_line", event=event,
                  when=f"{event.at:%Y-%m-%d %H:%M:%S}") + f"  {detail}")
    return 0
