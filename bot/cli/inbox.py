"""``deskbot inbox list|retry|stats``: what arrived, what is waiting, what failed and why.

Every request a channel acknowledged is a row of the inbox until a worker finished it. Rows that
failed for good (the dead-letter state) stay listed with their last error until an admin queues
them again with ``retry``; ``stats`` shows how far behind the workers are.
"""

from __future__ import annotations

import argparse
import sys

from bot.cli.common import print_json, print_table, services_from

STATUSES = ["pending", "working", "done", "failed", "inline"]


def register(sub: argparse._SubParsersAction) -> None:
    inbox = sub.add_parser("inbox", help="inbound requests: list, retry, stats")
    i_sub = inbox.add_subparsers(dest="inbox_command", metavar="ACTION", required=True)

    ls = i_sub.add_parser("list", help="requests, newest first")
    ls.add_argument("--failed", action="store_true", help="only requests that failed for good")
    ls.add_argument("--status", action="append", choices=STATUSES)
    ls.add_argument("--limit", type=int, default=100)
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_list)

    retry = i_sub.add_parser("retry", help="queue a failed request again")
    retry.add_argument("id", type=int)
    retry.set_defaults(func=cmd_retry)

    stats = i_sub.add_parser("stats", help="rows per status and how far behind the workers are")
    stats.add_argument("--json", action="store_true")
    stats.set_defaults(func=cmd_stats)


def cmd_list(args: argparse.Namespace) -> int:
    from actions.inbox import list_rows

    services = services_from(args, migrate=True)
    statuses = ["failed"] if args.failed else args.status
    rows = list_rows(services, statuses=statuses, limit=args.limit)
    if args.json:
        print_json([{"id": r.id, "key": r.key, "channel": r.channel, "kind": r.kind,
                     "status": r.status, "attempts": r.attempts, "received_at": r.received_at,
                     "next_attempt_at": r.next_attempt_at, "last_error": r.last_error}
                    for r in rows])
        return 0
    if not rows:
        print("no requests" + (" failed" if args.failed else ""))
        return 0
    print_table(
        [[str(r.id), r.status, r.channel, r.kind, r.key[:40], str(r.attempts),
          f"{r.received_at:%Y-%m-%d %H:%M:%S}", (r.last_error or "")[:80]] for r in rows],
        ["ID", "STATUS", "CHANNEL", "KIND", "KEY", "TRIES", "RECEIVED (UTC)", "ERROR"],
    )
    return 0


def cmd_retry(args: argparse.Namespace) -> int:
    from actions.inbox import retry

    services = services_from(args, migrate=True)
    if not retry(services, args.id):
        print(f"deskbot: request {args.id} does not exist, is done, or is being worked now",
              file=sys.stderr)
        return 1
    print(f"request {args.id} queued again")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from actions.inbox import stats

    services = services_from(args, migrate=True)
    found = stats(services)
    if args.json:
        print_json({"counts": found.counts, "waiting": found.waiting,
                    "lag_seconds": round(found.lag_seconds, 1)})
        return 0
    print_table([[status, str(found.counts.get(status, 0))] for status in STATUSES],
                ["STATUS", "ROWS"])
    print(f"waiting: {found.waiting}; oldest waiting for {found.lag_seconds:.1f} s")
    return 0
