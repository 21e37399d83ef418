"""``deskbot chat``: talk to the desk in the terminal, as an employee or a technician.

Reads stdin line by line, so it also runs scripted: ``printf 'hola\n...' | deskbot chat``.
"""

from __future__ import annotations

import argparse
import sys

from bot.cli.common import services_from


def register(sub: argparse._SubParsersAction) -> None:
    chat = sub.add_parser("chat", help="talk to the desk in the terminal (console channel)")
    chat.add_argument("--as", dest="as_person", metavar="NAME",
                      help="start as this person (default: the first employee)")
    chat.add_argument("--deliver", metavar="CHANNELS",
                      help="outbox channels printed here, comma-separated (default: all of them "
                           "without Slack credentials, else only console)")
    chat.set_defaults(func=cmd_chat)


def cmd_chat(args: argparse.Namespace) -> int:
    from bot.console import run_console

    services = services_from(args, migrate=True)
    channels = tuple(c.strip() for c in args.deliver.split(",") if c.strip()) \
        if args.deliver else None
    try:
        return run_console(services, sys.stdin, sys.stdout, as_person=args.as_person,
                           channels=channels)
    finally:
        services.close()
