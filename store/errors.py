"""Domain errors: each carries a message *code* and parameters, never prose.

Channels turn ``code`` into a sentence in the person's language through the templates
(``actions/templates/<lang>/errors.j2``), so the same refusal reads naturally in Slack, the
console and email. Raising one of these before anything is flushed guarantees no partial write:
the unit of work rolls back.
"""

from __future__ import annotations

from typing import Any


class DeskError(Exception):
    """Base of every error a person may be shown."""

    code = "error"

    def __init__(self, code: str | None = None, **params: Any) -> None:
        self.code = code or type(self).code
        self.params = params
        super().__init__(f"{self.code}: {params}" if params else self.code)


class NotFound(DeskError):
    """An unknown ticket key, person, team or survey question."""

    code = "not_found"


class InvalidInput(DeskError):
    """Text or values a person typed that the desk cannot use (empty, too long, bad choice)."""

    code = "invalid_input"


class RoleRefused(DeskError):
    """The actor's role does not allow this (an employee using a technician command, ...)."""

    code = "role_refused"


class IllegalTransition(DeskError):
    """The ticket's status does not allow the requested change."""

    code = "illegal_transition"


class AlreadyClaimed(DeskError):
    """Someone else claimed the ticket first."""

    code = "already_claimed"


class Conflict(DeskError):
    """Something that may only happen once already happened (survey answered twice, ...)."""

    code = "conflict"
