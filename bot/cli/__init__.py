"""The `deskbot` command line: one sub-command group per module in this package.

Each module exposes ``register(subparsers)`` which adds its parser(s) and sets ``func`` on them;
``func(args) -> int`` is the exit code. Modules are imported here by name so that adding a group
is a one-line change to ``GROUPS`` and nothing heavy (Slack, scikit-learn) loads for ``--help``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

#: Sub-command modules, in the order they appear in ``deskbot --help``.
GROUPS: tuple[str, ...] = (
    "bot.cli.db",
    "bot.cli.people",
    "bot.cli.ticket",
    "bot.cli.kb",
    "bot.cli.nlu",
    "bot.cli.chat",
    "bot.cli.run",
    "bot.cli.sla",
    "bot.cli.outbox",
    "bot.cli.inbox",
    "bot.cli.report",
    "bot.cli.audit",
    "bot.cli.email",
    "bot.cli.web",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="deskbot",
        description="deskbot: a chatbot-first IT support desk for Slack (and console, and email).",
    )
    parser.add_argument(
        "--config",
        default=None,
        help="path to config.yml (default: $DESKBOT_CONFIG or ./config.yml)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in GROUPS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # group not written yet
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 0 if args.command is None else 2
    try:
        return int(func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
