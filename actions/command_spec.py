"""The shapes of the ``/ticket`` command language: a sub-command's spec and its result.

Kept apart from the parser (``actions.commands``) so that groups of sub-commands can live in
their own modules (``actions.tech_commands``) and be registered into one table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from actions.views import TicketView


@dataclass(frozen=True)
class CommandResult:
    """What a channel shows after a command."""

    text: str
    ok: bool = True
    ephemeral: bool = True  # only the caller should see it
    ticket: TicketView | None = None
    tickets: tuple[TicketView, ...] = field(default=())
    name: str = ""  # the sub-command that ran (canonical English name)
    #: A form the channel should open instead of (or besides) showing ``text``, when it can:
    #: ``{"form": "reply"|"iso", "key": "INC-1", ...}``. Channels without forms show ``text``.
    modal: dict[str, Any] | None = None


@dataclass(frozen=True)
class Spec:
    """A sub-command: how many words it takes before the free text, and whether text is needed."""

    handler: Callable[..., Any]
    args: int  # positional words (ticket key, team ...)
    text: str = "none"  # none | optional | required
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Answer:
    """A handler's result that is not a ticket or a list of tickets: what to render with, the
    ticket it concerns (its card is refreshed) and, optionally, a form to open."""

    context: dict[str, Any]
    ticket: TicketView | None = None
    modal: dict[str, Any] | None = None
