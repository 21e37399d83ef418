""""When did you discover it?" answered the way people chat, turned into an aware UTC instant.

Understands "ahora"/"now", "hace 20 minutos"/"2 hours ago", "hoy a las 9:30"/"today at 3pm",
"ayer"/"yesterday at 18:00", a bare time ("a las 10", "10:30", taken as the last such time), and
ISO dates ("2026-03-01 10:00"). Anything else is None and the question is asked again with an
example; guessing would put a wrong time in an ISO 27001 record.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from actions.conversation.phrases import fold

_UNITS = {"minuto": 60, "minute": 60, "min": 60, "hora": 3600, "hour": 3600, "hr": 3600,
          "h": 3600, "dia": 86400, "day": 86400, "semana": 604800, "week": 604800}
_COUNT = r"(\d+|un|una|uno|media|an?|half an?|one)"
_AGO = re.compile(rf"\bhace {_COUNT} ?(minuto|min|hora|h|dia|semana)s?\b"
                  rf"|\b{_COUNT} ?(minute|min|hour|hr|h|day|week)s? ago\b")
_NOW = re.compile(r"^\s*(ahora|ahorita|justo ahora|ahora mismo|en este momento|now|just now|"
                  r"right now)\s*[.!]*\s*$")
_TIME = re.compile(r"\b(?:a las |at |@ ?)?(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.|hrs|h)?\b")
_FUTURE = re.compile(r"(?<!esta )(?<!la )\b(manana|tomorrow|next week|la proxima semana)\b")
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?:[ t](\d{1,2}):(\d{2}))?\b")
_DMY = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{2}))?\b")


def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _count(word: str) -> float:
    if word.isdigit():
        return float(word)
    return 0.5 if word.startswith(("media", "half")) else 1.0


def _clock(text: str, *, require_marker: bool) -> time | None:
    for match in _TIME.finditer(text):
        hour, minute, suffix = int(match.group(1)), int(match.group(2) or 0), match.group(3)
        marked = bool(match.group(2) or suffix or match.group(0).startswith(("a las", "at", "@")))
        if require_marker and not marked:
            continue
        if suffix and suffix.startswith("p") and hour < 12:
            hour += 12
        if suffix and suffix.startswith("a") and hour == 12:
            hour = 0
        if hour < 24 and minute < 60:
            return time(hour, minute)
    return None


def parse_when(text: str, *, tz: str = "UTC", now: datetime, language: str = "es",
               ) -> datetime | None:
    """The instant ``text`` names, in UTC; None when it names none (or one in the future)."""
    zone = _zone(tz)
    local_now = now.astimezone(zone)
    folded = fold(text).strip()
    result: datetime | None = None
    if _FUTURE.search(folded):
        return None
    if _NOW.match(folded):
        result = local_now
    elif match := _AGO.search(folded):
        count = match.group(1) or match.group(3)
        unit = match.group(2) or match.group(4)
        result = local_now - timedelta(seconds=_count(count) * _UNITS[unit])
    elif match := _ISO.search(folded):
        y, m, d, hh, mm = (int(g) if g else 0 for g in match.groups())
        result = _safe(zone, y, m, d, hh, mm)
    elif match := _DMY.search(folded):
        a, b, y, hh, mm = (int(g) if g else 0 for g in match.groups())
        day_of_month, month = (b, a) if language == "en" else (a, b)
        result = _safe(zone, y, month, day_of_month, hh, mm)
    else:
        day = local_now.date()
        relative = re.search(r"\b(hoy|today|esta manana|this morning|esta tarde|this afternoon"
                             r"|ayer|yesterday|anoche|last night|antier|anteayer)\b", folded)
        clock = _clock(folded, require_marker=relative is None)
        if relative and relative.group(1) in ("ayer", "yesterday", "anoche", "last night"):
            day -= timedelta(days=1)
        elif relative and relative.group(1) in ("antier", "anteayer"):
            day -= timedelta(days=2)
        if relative is None and clock is None:
            return None
        if clock is None:
            clock = local_now.time() if day == local_now.date() else time(12, 0)
        result = datetime.combine(day, clock, tzinfo=zone)
        if relative is None and result > local_now:
            result -= timedelta(days=1)  # "a las 10" said at 08:00 means yesterday's 10:00
    if result is None or result > local_now + timedelta(minutes=5):
        return None
    return result.astimezone(ZoneInfo("UTC"))


def _safe(zone: ZoneInfo, y: int, m: int, d: int, hh: int, mm: int) -> datetime | None:
    try:
        return datetime(y, m, d, hh, mm, tzinfo=zone)
    except ValueError:
        return None
