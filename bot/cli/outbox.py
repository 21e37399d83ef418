"""``deskbot outbox list|retry|deliver``: what the desk has sent, what it could not, and why.

``deliver`` runs the worker once in this process. Without a channel adapter here it uses
``PrintDeliverer``, which renders each ``console`` message as plain text on stdout; Slack and email
messages are delivered by ``deskbot run``, whose process holds those deliverers.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from actions.services import Services
from bot.cli.common import print_json, print_table, services_from


class PrintDeliverer:
    """Deliverer for the ``console`` channel: prints the message. Printing twice is harmless,
    so it keeps no record of ``item.key``."""

    def __init__(self, services: Services, out: Any = None) -> None:
        self.services = services
        self.out = out or sys.stdout

    def deliver(self, item: Any) -> None:
        from actions.outbox import DeliveryError

        name = f"notify.{item.template}"
        if not self.services.plain.has(name, item.language):
            raise DeliveryError(f"no template {name}", retryable=False)
        ctx = item.context
        text = self.services.plain.render(
            name, item.language, ticket=ctx.get("ticket") or {}, event=ctx.get("event") or {},
            actor=ctx.get("actor"), recipient=item.recipient)
        print(f"--- {item.ticket_key or '-'} -> {_who(item.recipient)} [{item.template}]",
              file=self.out)
        print(text, file=self.out, flush=True)


def _who(recipient: dict[str, Any]) -> str:
    kind = recipient.get("type")
    if kind == "team":
        return f"team {recipient.get('team')}"
    if kind == "thread":
        return f"thread {recipient.get('ticket')}"
    if kind == "reply":
        return f"reply in {recipient.get('ref')}"
    return f"person {recipient.get('person_id')} ({recipient.get('role', '')})".replace(" ()", "")


def register(sub: argparse._SubParsersAction) -> None:
    outbox = sub.add_parser("outbox", help="outbound messages: list, retry, deliver")
    o_sub = outbox.add_subparsers(dest="outbox_command", metavar="ACTION", required=True)

    ls = o_sub.add_parser("list", help="messages, newest first")
    ls.add_argument("--failed", action="store_true", help="only messages that failed for good")
    ls.add_argument("--status", action="append",
                    choices=["pending", "sending", "delivered", "failed", "skipped"])
    ls.add_argument("--limit", type=int, default=100)
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_list)

    retry = o_sub.add_parser("retry", help="queue a failed message again")
    retry.add_argument("id", type=int)
    retry.set_defaults(func=cmd_retry)

    deliver = o_sub.add_parser("deliver", help="deliver due messages once (console: stdout)")
    deliver.add_argument("--limit", type=int, default=100)
    deliver.set_defaults(func=cmd_deliver)


def cmd_list(args: argparse.Namespace) -> int:
    from actions.outbox import list_messages

    services = services_from(args, migrate=True)
    statuses = ["failed"] if args.failed else args.status
    rows = list_messages(services, statuses=statuses, limit=args.limit)
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print("no messages" + (" failed" if args.failed else ""))
        return 0
    print_table(
        [[str(r["id"]), r["status"], r["channel"], r["template"], r["ticket"] or "-",
          _who(r["recipient"]), str(r["attempts"]),
          f"{(r['delivered_at'] or r['next_attempt_at']):%Y-%m-%d %H:%M:%S}",
          (r["last_error"] or "")[:80]] for r in rows],
        ["ID", "STATUS", "CHANNEL", "TEMPLATE", "TICKET", "TO", "TRIES", "WHEN (UTC)", "ERROR"],
    )
    return 0


def cmd_retry(args: argparse.Namespace) -> int:
    from actions.outbox import retry

    services = services_from(args, migrate=True)
    if not retry(services, args.id):
        print(f"deskbot: message {args.id} does not exist, was delivered, or is being sent now",
              file=sys.stderr)
        return 1
    print(f"message {args.id} queued again")
    return 0


def cmd_deliver(args: argparse.Namespace) -> int:
    from actions.outbox import deliver_due

    services = services_from(args, migrate=True)
    report = deliver_due(services, {"console": PrintDeliverer(services)}, limit=args.limit)
    print(report.summary())
    return 0 if not report.failed else 1
