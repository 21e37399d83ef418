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
from bot.cli.common import add_lang, services_from, tell
from bot.cli.queues import add_list_and_retry, list_command, retry_command

STATUSES = ["pending", "sending", "delivered", "failed", "skipped"]


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
        who = _who(self.services, item.language, item.recipient)
        print(f"--- {item.ticket_key or '-'} -> {who} [{item.template}]", file=self.out)
        print(text, file=self.out, flush=True)


def _who(services: Services, lang: str | None, recipient: dict[str, Any]) -> str:
    """Who a message goes to (a team, a ticket's thread, a person), in ``lang``."""
    return str(services.plain.render("cli.recipient", lang, to=recipient))


def register(sub: argparse._SubParsersAction) -> None:
    outbox = sub.add_parser("outbox", help="outbound messages: list, retry, deliver")
    o_sub = outbox.add_subparsers(dest="outbox_command", metavar="ACTION", required=True)
    add_list_and_retry(o_sub, kind="message", statuses=STATUSES, list_=cmd_list,
                       retry=cmd_retry)

    deliver = o_sub.add_parser("deliver", help="deliver due messages once (console: stdout)")
    deliver.add_argument("--limit", type=int, default=100)
    add_lang(deliver)
    deliver.set_defaults(func=cmd_deliver)


def cmd_list(args: argparse.Namespace) -> int:
    from actions.outbox import list_messages
    from bot.cli.common import lang_of

    def as_row(services: Services, r: dict[str, Any]) -> list[str]:
        return [str(r["id"]), r["status"], r["channel"], r["template"], r["ticket"] or "-",
                _who(services, lang_of(args, services), r["recipient"]), str(r["attempts"]),
                f"{(r['delivered_at'] or r['next_attempt_at']):%Y-%m-%d %H:%M:%S}",
                (r["last_error"] or "")[:80]]

    return list_command(
        args, kind="message", as_json=lambda r: r, as_row=as_row,
        fetch=lambda services, statuses, limit: list_messages(services, statuses=statuses,
                                                              limit=limit))


def cmd_retry(args: argparse.Namespace) -> int:
    from actions.outbox import retry

    return retry_command(args, kind="message", retry=retry)


def cmd_deliver(args: argparse.Namespace) -> int:
    from actions.outbox import deliver_due

    services = services_from(args, migrate=True)
    report = deliver_due(services, {"console": PrintDeliverer(services)}, limit=args.limit)
    tell(services, args, "delivery_summary",
         counts={name: len(getattr(report, name))
                 for name in ("delivered", "retried", "failed", "skipped")})
    return 0 if not report.failed else 1
