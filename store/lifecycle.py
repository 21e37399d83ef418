"""The ticket state machine: the one place that knows which status may follow which.

new -> open -> in_progress <-> pending -> resolved -> closed; resolved -> in_progress (reopen);
any active status -> cancelled (the requester no longer needs it, or staff withdraw it).
``open`` also goes straight to ``pending`` or ``resolved`` when a technician works a ticket
without claiming it first, and ``pending`` may resolve directly when the requester's answer
settles it.
"""

from __future__ import annotations

from enum import StrEnum

from store.errors import IllegalTransition


class Status(StrEnum):
    NEW = "new"
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    PENDING = "pending"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"


TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.NEW: frozenset({Status.OPEN, Status.CANCELLED}),
    Status.OPEN: frozenset(
        {Status.IN_PROGRESS, Status.PENDING, Status.RESOLVED, Status.CANCELLED}
    ),
    Status.IN_PROGRESS: frozenset(
        {Status.PENDING, Status.RESOLVED, Status.OPEN, Status.CANCELLED}
    ),
    Status.PENDING: frozenset({Status.IN_PROGRESS, Status.RESOLVED, Status.CANCELLED}),
    Status.RESOLVED: frozenset({Status.CLOSED, Status.IN_PROGRESS}),
    Status.CLOSED: frozenset(),
    Status.CANCELLED: frozenset(),
}

#: Statuses in which the ticket is still the desk's work.
ACTIVE = frozenset({Status.NEW, Status.OPEN, Status.IN_PROGRESS, Status.PENDING})
#: Statuses in which nothing more can happen.
FINAL = frozenset({Status.CLOSED, Status.CANCELLED})


def check_transition(current: str, target: str, *, key: str = "") -> Status:
    """Return ``target`` as a Status, or raise IllegalTransition saying why not."""
    cur, tgt = Status(current), Status(target)
    if tgt not in TRANSITIONS[cur]:
        raise IllegalTransition(key=key, current=cur.value, target=tgt.value)
    return tgt
