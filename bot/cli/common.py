"""Helpers shared by the command-line groups: building services, printing errors and tables."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from actions.messages import Messages
from actions.services import Services, build_services, set_default_services
from actions.settings import SettingsError, load_settings
from store.errors import DeskError

_PLAIN: list[Messages] = []  # one renderer for lines printed before any services exist


def services_from(args: argparse.Namespace, *, migrate: bool = False) -> Services:
    """Services for a command; exits with a clear message when config.yml is unusable."""
    try:
        settings = load_settings(getattr(args, "config", None))
    except SettingsError as exc:
        print(f"deskbot: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc
    services = build_services(settings, migrate=migrate)
    set_default_services(services)
    return services


def add_lang(parser: argparse.ArgumentParser) -> None:
    """``--lang``: the language of what a command prints (default: the desk's, config.yml)."""
    parser.add_argument("--lang", choices=("es", "en"), default=None,
                        help="language of the output (default: config.yml's language)")


def lang_of(args: argparse.Namespace, services: Services | None) -> str:
    """``--lang``, else the desk's language; without services (a line printed before the
    database is opened) the desk's language is read from config.yml, Spanish if unreadable."""
    chosen = getattr(args, "lang", None)
    if chosen:
        return str(chosen)
    if services is not None:
        return services.settings.language
    try:
        return load_settings(getattr(args, "config", None)).language
    except SettingsError:
        return "es"


def fail(error: DeskError, services: Services, lang: str | None = None) -> int:
    """Print a domain error as a sentence, in ``lang`` or the desk's language; return 1."""
    print(f"deskbot: {services.plain.error(error, lang or services.settings.language)}",
          file=sys.stderr)
    return 1


def say(services: Services | None, args: argparse.Namespace, message: str, /,
        **context: Any) -> str:
    """A line of command-line output from ``cli.j2`` in the command's language.

    ``services`` may be None for what is printed before they exist (bad arguments, a server's
    banner): the text then comes from the same templates, without team names from config.yml."""
    if services is not None:
        plain = services.plain
    else:
        if not _PLAIN:
            _PLAIN.append(Messages("plain"))
        plain = _PLAIN[0]
    return plain.render(f"cli.{message}", lang_of(args, services), **context)


def tell(services: Services | None, args: argparse.Namespace, message: str, /, *,
         err: bool = False, **context: Any) -> None:
    """Print ``say(...)``: on stderr with ``err`` (errors, and notes beside machine output)."""
    print(say(services, args, message, **context), file=sys.stderr if err else sys.stdout,
          flush=True)


def print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def print_table(rows: list[list[str]], headers: list[str]) -> None:
    if not rows:
        return
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=False)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=False))
    print(line.rstrip())
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=False)).rstrip())
