"""Everything a person reads is rendered here, from Jinja2 templates per language.

Templates live in ``actions/templates/<lang>/<file>.j2``, and a channel's own messages with the
channel (``bot/slack/templates``, added with ``add_templates``); each file holds macros named for
the message they render (``errors.j2`` has one macro per error code, ``notify.j2`` one per event
type, ...). Two flavours: ``mrkdwn`` escapes exactly ``&``, ``<`` and ``>`` in every interpolated
value, so user text can never ping ``@channel`` or forge a link in Slack, while the literal text of
the templates keeps its formatting; ``plain`` (console, email) escapes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound, Undefined
from markupsafe import Markup

from store.errors import DeskError

TEMPLATES = Path(__file__).resolve().parent / "templates"
LANGUAGES = ("es", "en")
FLAVOURS = ("mrkdwn", "plain")

STATUS_LABELS = {
    "es": {"new": "NUEVO", "open": "ABIERTO", "in_progress": "EN CURSO", "pending": "EN ESPERA",
           "resolved": "CONCLUIDO", "closed": "CERRADO", "cancelled": "CANCELADO"},
    "en": {"new": "NEW", "open": "OPEN", "in_progress": "IN PROGRESS", "pending": "PENDING",
           "resolved": "RESOLVED", "closed": "CLOSED", "cancelled": "CANCELLED"},
}


class Safe(str):
    """Text already in the target format (e.g. a mention built by the desk): not escaped again."""


def escape_mrkdwn(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _finalize_for(flavour: str) -> Callable[[Any], Any]:
    """Escape every interpolated value once, for its flavour.

    In mrkdwn the environment autoescapes, and this returns ``Markup`` so Jinja's HTML escaping
    never runs: the value is escaped for Slack (three characters) instead. Macro output is
    already ``Markup``, so a message built from smaller macros is not escaped twice.
    """

    def finalize(value: Any) -> Any:
        if value is None or isinstance(value, Undefined):
            return ""
        if flavour == "plain" or isinstance(value, Markup):
            return value
        if isinstance(value, Safe):
            return Markup(str(value))
        return Markup(escape_mrkdwn(str(value)))

    return finalize


class Messages:
    """Renders named messages in a language and a flavour."""

    def __init__(self, flavour: str = "mrkdwn", directory: Path = TEMPLATES) -> None:
        if flavour not in FLAVOURS:
            raise ValueError(f"unknown flavour {flavour!r}")
        self.flavour = flavour
        #: Team code -> language -> name, from config.yml (set by the composition root).
        self.teams: dict[str, dict[str, str]] = {}
        self._loader = FileSystemLoader(str(directory))
        self.env = Environment(
            loader=self._loader,
            autoescape=flavour == "mrkdwn",
            finalize=_finalize_for(flavour),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        self.env.filters["status"] = self._status_label
        self.env.filters["mention"] = self._mention
        self.env.filters["quote"] = self._quote
        self.env.filters["when"] = self._when
        self.env.filters["date"] = self._date
        self.env.filters["team_name"] = self._team_name
        self.env.filters["short"] = shorten

    def add_templates(self, directory: Path) -> Messages:
        """Find a channel's own templates too (``bot/<channel>/templates/<lang>/*.j2``), after
        the desk's, so they may import the desk's ``labels.j2``. Adding a folder again changes
        nothing, so a channel may call this each time it renders."""
        if str(directory) not in self._loader.searchpath:
            self._loader.searchpath.append(str(directory))
        return self

    @staticmethod
    def language(lang: str | None) -> str:
        return lang if lang in LANGUAGES else "es"

    def render(self, name: str, lang: str | None, /, **context: Any) -> str:
        """Render macro ``name`` of file ``group`` given as ``"group.name"``."""
        group, _, macro = name.partition(".")
        module = self._module(group, self.language(lang))
        func = getattr(module, macro, None)
        if func is None:
            raise KeyError(f"no message {name!r} in {self.language(lang)}/{group}.j2")
        if not getattr(func, "catch_kwargs", False):
            accepted = set(getattr(func, "arguments", ()))
            context = {k: v for k, v in context.items() if k in accepted}
        return str(func(**context)).strip()

    def preload(self) -> int:
        """Compile every message file of every language now (how many), so the first turns
        after a start do not each pay for compiling the files they use (a tenth of a second
        each, with the interpreter held)."""
        loaded = 0
        for directory in getattr(self.env.loader, "searchpath", []):
            for lang in LANGUAGES:
                for path in sorted((Path(directory) / lang).glob("*.j2")):
                    self._module(path.stem, lang)
                    loaded += 1
        return loaded

    def has(self, name: str, lang: str | None = "es") -> bool:
        group, _, macro = name.partition(".")
        try:
            return hasattr(self._module(group, self.language(lang)), macro)
        except TemplateNotFound:  # a missing file simply means "no such message"
            return False

    def error(self, error: DeskError, lang: str | None) -> str:
        """A domain error as a sentence in the person's language."""
        if self.has(f"errors.{error.code}", lang):
            return self.render(f"errors.{error.code}", lang, **error.params)
        return self.render("errors.generic", lang, code=error.code)

    def status(self, status: str, lang: str | None) -> str:
        return self._status_label(status, lang)

    def _module(self, group: str, lang: str) -> Any:
        return _module_cache(self, group, lang)

    def _status_label(self, status: str, lang: str | None = "es") -> str:
        return STATUS_LABELS[self.language(lang)].get(status, status)

    def _team_name(self, code: str | None, lang: str | None = "es") -> str:
        """A team's name in the reader's language; its code when config.yml does not name it."""
        names = self.teams.get(code or "") or {}
        return names.get(self.language(lang)) or next(iter(names.values()), "") or (code or "")

    def _mention(self, slack_id: str | None, fallback: str = "") -> str:
        if self.flavour == "mrkdwn" and slack_id and slack_id.isalnum():
            return Safe(f"<@{slack_id}>")
        return fallback

    @staticmethod
    def _when(value: datetime | str | None, tz: str | None = "UTC") -> str:
        """A UTC instant shown in the reader's time zone (``2026-11-25 14:05 CST``)."""
        if value is None:
            return ""
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        try:
            zone = ZoneInfo(tz or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            zone = ZoneInfo("UTC")
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")

    def _date(self, value: datetime | str | None, tz: str | None = "UTC") -> str:
        """An instant every reader sees in their own time zone: Slack's date token in mrkdwn
        (``<!date^…|fallback>``), the ``when`` format in ``tz`` elsewhere."""
        if value is None or value == "":
            return ""
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        fallback = self._when(value, tz)
        if self.flavour != "mrkdwn":
            return fallback
        stamp = int(value.timestamp())
        return Safe(f"<!date^{stamp}^{{date_short_pretty}} {{time}}|{escape_mrkdwn(fallback)}>")

    def _quote(self, text: str) -> str:
        body = escape_mrkdwn(text) if self.flavour == "mrkdwn" else text
        return Safe("\n".join("> " + line for line in body.splitlines()))


#: Longest title a notice repeats; the whole text is one "what's the status of INC-3" away.
SHORT_TITLE = 48


def shorten(text: str | None, limit: int = SHORT_TITLE) -> str:
    """Cut at the last whole word within ``limit`` characters (``…`` marks the cut)."""
    value = " ".join(str(text or "").split())
    if len(value) <= limit:
        return value
    cut = value[: limit + 1].rsplit(" ", 1)[0] if " " in value[:limit + 1] else value[:limit]
    return cut.rstrip(" ,.;:…") + "…"


@lru_cache(maxsize=256)
def _module_cache(messages: Messages, group: str, lang: str) -> Any:
    return messages.env.get_template(f"{lang}/{group}.j2").module
