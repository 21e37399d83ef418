"""Helpers shared by the command-line groups: building services, printing errors and tables."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from actions.services import Services, build_services, set_default_services
from actions.settings import SettingsError, load_settings
from store.errors import DeskError


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


def fail(error: DeskError, services: Services, lang: str = "en") -> int:
    """Print a domain error as a sentence (admins read English by default) and return 1."""
    print(f"deskbot: {services.plain.error(error, lang)}", file=sys.stderr)
    return 1


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
