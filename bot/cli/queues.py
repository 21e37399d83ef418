"""What ``deskbot inbox`` and ``deskbot outbox`` share: ``list`` (``--failed``, ``--status``,
``--json``) and ``retry ID`` over a queue of rows that a worker drains.

Both queues keep rows that failed for good until an admin queues them again, so both commands
read the same way; only the rows, their columns and the use cases differ.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import Any

from actions.services import Services
from bot.cli.common import add_lang, print_json, print_table, say, services_from, tell

Handler = Callable[[argparse.Namespace], int]


def add_list_and_retry(sub: argparse._SubParsersAction, *, kind: str,
                       statuses: Sequence[str], list_: Handler, retry: Handler) -> None:
    """The ``list`` and ``retry`` sub-commands; ``kind`` names the rows in cli.j2: "request"
    (inbox) or "message" (outbox)."""
    ls = sub.add_parser("list", help=f"{kind}s, newest first")
    ls.add_argument("--failed", action="store_true", help=f"only {kind}s that failed for good")
    ls.add_argument("--status", action="append", choices=list(statuses))
    ls.add_argument("--limit", type=int, default=100)
    ls.add_argument("--json", action="store_true")
    add_lang(ls)
    ls.set_defaults(func=list_)

    again = sub.add_parser("retry", help=f"queue a failed {kind} again")
    again.add_argument("id", type=int)
    add_lang(again)
    again.set_defaults(func=retry)


def list_command(args: argparse.Namespace, *, kind: str,
                 fetch: Callable[[Services, list[str] | None, int], Sequence[Any]],
                 as_json: Callable[[Any], Any], as_row: Callable[[Services, Any], list[str]],
                 ) -> int:
    """Rows newest first: JSON for scripts, else a table (``as_row`` gets the services too, for
    cells worded in the reader's language) or a line saying there are none."""
    services = services_from(args, migrate=True)
    statuses = ["failed"] if args.failed else args.status
    rows = fetch(services, statuses, args.limit)
    if args.json:
        print_json([as_json(r) for r in rows])
        return 0
    if not rows:
        tell(services, args, "queue_empty", kind=kind, failed=args.failed)
        return 0
    print_table([as_row(services, r) for r in rows],
                say(services, args, "queue_headers", kind=kind).split("|"))
    return 0


def retry_command(args: argparse.Namespace, *, kind: str,
                  retry: Callable[[Any, int], bool]) -> int:
    """Queue row ``args.id`` again; exit 1 when it is not a row that can be retried."""
    services = services_from(args, migrate=True)
    if not retry(services, args.id):
        tell(services, args, "retry_missing", err=True, kind=kind, number=args.id)
        return 1
    tell(services, args, "requeued", kind=kind, number=args.id)
    return 0
