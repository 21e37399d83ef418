"""Instants typed at the command line: ISO 8601, with a zone or taken as UTC."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta


def parse_when(text: str, *, end_of_day: bool = False) -> datetime:
    """``2026-11-25``, ``2026-11-25 14:05``, ``2026-11-25T14:05:00-06:00`` or ``...Z``.

    A bare date is midnight UTC, or with ``end_of_day`` the midnight that ends it, so
    ``--until 2026-11-30`` includes the 30th. A time without a zone is UTC.
    """
    value = text.strip()
    try:
        when = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"not an ISO 8601 date or date-time: {text!r}") from exc
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if end_of_day and len(value) == 10:
        when += timedelta(days=1)
    return when.astimezone(UTC)


def since_arg(text: str) -> datetime:
    try:
        return parse_when(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def until_arg(text: str) -> datetime:
    try:
        return parse_when(text, end_of_day=True)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
