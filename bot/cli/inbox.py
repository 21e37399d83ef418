"""``deskbot inbox list|retry|stats``: what arrived, what is waiting, what failed and why.

Every request a channel acknowledged is a row of the inbox until a worker finished it. Rows that
failed for good (the dead-letter state) stay listed with their last error until an admin queues
them again with ``retry``; ``stats`` shows how far behind the workers are.
"""

from __future__ import annotations

import argparse
from typing import Any

from actions.services import Services
from bot.cli.common import add_lang, print_json, print_table, say, services_from, tell
from bot.cli.queues import add_list_and_retry, list_command, retry_command

STATUSES = ["pending", "working", "done", "failed", "inline"]


def register(sub: argparse._SubParsersAction) -> None:
    inbox = sub.add_parser("inbox", help="inbound requests: list, retry, stats")
    i_sub = inbox.add_subparsers(dest="inbox_command", metavar="ACTION", required=True)
    add_list_and_retry(i_sub, kind="request", statuses=STATUSES, list_=cmd_list,
                       retry=cmd_retry)

    stats = i_sub.add_parser("stats", help="rows per status and how far behind the workers are")
    stats.add_argument("--json", action="store_true")
    add_lang(stats)
    stats.set_defaults(func=cmd_stats)


def cmd_list(args: argparse.Namespace) -> int:
    from actions.inbox import list_rows

    def as_json(r: Any) -> dict[str, Any]:
        return {"id": r.id, "key": r.key, "channel": r.channel, "kind": r.kind,
                "status": r.status, "attempts": r.attempts, "received_at": r.received_at,
                "next_attempt_at": r.next_attempt_at, "last_error": r.last_error}

    def as_row(_services: Services, r: Any) -> list[str]:
        return [str(r.id), r.status, r.channel, r.kind, r.key[:40], str(r.attempts),
                f"{r.received_at:%Y-%m-%d %H:%M:%S}", (r.last_error or "")[:80]]

    return list_command(
        args, kind="request", as_json=as_json, as_row=as_row,
        fetch=lambda services, statuses, limit: list_rows(services, statuses=statuses,
                                                          limit=limit))


def cmd_retry(args: argparse.Namespace) -> int:
    from actions.inbox import retry

    return retry_command(args, kind="request", retry=retry)


def cmd_stats(args: argparse.Namespace) -> int:
    from actions.inbox import stats

    services = services_from(args, migrate=True)
    found = stats(services)
    if args.json:
        print_json({"counts": found.counts, "waiting": found.waiting,
                    "lag_seconds": round(found.lag_seconds, 1)})
        return 0
    print_table([[status, str(found.counts.get(status, 0))] for status in STATUSES],
                say(services, args, "inbox_stats_headers").split("|"))
    tell(services, args, "inbox_waiting", waiting=found.waiting, lag=found.lag_seconds)
    return 0
