"""ITIL priority: impact x urgency through the matrix of config.yml, raised one step for VIPs."""

from __future__ import annotations

from collections.abc import Mapping

from store.errors import InvalidInput

LEVELS = ("high", "medium", "low")
PRIORITIES = ("P1", "P2", "P3", "P4")


def priority_for(
    impact: str,
    urgency: str,
    matrix: Mapping[str, Mapping[str, str]],
    *,
    vip: bool = False,
) -> str:
    """The priority of a ticket; a VIP requester's goes one step up (never above P1)."""
    if impact not in LEVELS:
        raise InvalidInput("bad_level", field="impact", value=impact, choices=", ".join(LEVELS))
    if urgency not in LEVELS:
        raise InvalidInput("bad_level", field="urgency", value=urgency, choices=", ".join(LEVELS))
    priority = matrix[impact][urgency]
    if vip:
        priority = PRIORITIES[max(0, PRIORITIES.index(priority) - 1)]
    return priority
