"""What the desk promises a person when it opens their ticket: when a technician will answer,
when the problem should be solved, whether the desk is open right now, and who is on call.

The due times are the ticket's own SLA due times (``actions.sla_clock``), so the promise and the
SLA the technicians work against can never disagree. "Closed" means business hours are on and
this instant falls outside them (after hours, a weekend, a holiday); the desk then says when it
opens, which is where the working-time clock starts counting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from actions.settings import Settings
from actions.sla_clock import calendar_for
from actions.views import TicketView


@dataclass(frozen=True)
class Promise:
    response_due: datetime | None
    resolution_due: datetime | None
    closed: bool  # the desk is closed right now
    opens_at: datetime | None  # when it opens again, if closed
    hours: dict[str, Any]  # the business hours, for "lun–vie 09:00–18:00"
    on_call: str = ""  # who answers a P1 out of hours, from teams.<T>.on_call

    def context(self) -> dict[str, Any]:
        return {"response_due": self.response_due, "resolution_due": self.resolution_due,
                "closed": self.closed, "opens_at": self.opens_at, "hours": self.hours,
                "on_call": self.on_call}


def desk_closed(settings: Settings, at: datetime) -> datetime | None:
    """When the desk opens next, if it is closed at ``at``; None while it is open (or 24x7)."""
    if not settings.sla.business_hours.enabled:
        return None
    opens = calendar_for(settings.sla).add(at, 0)
    return opens if opens > at else None


def promise_for(settings: Settings, ticket: TicketView, at: datetime) -> Promise:
    """The promise for a ticket just opened (or asked about) at ``at``."""
    hours = settings.sla.business_hours
    opens_at = desk_closed(settings, at)
    team = settings.teams.get(ticket.team or "")
    on_call = team.on_call if team and ticket.priority == "P1" else ""
    return Promise(
        response_due=ticket.response_due_at if ticket.first_response_at is None else None,
        resolution_due=ticket.resolution_due_at,
        closed=opens_at is not None, opens_at=opens_at,
        hours={"weekdays": list(hours.weekdays), "start": hours.start, "end": hours.end,
               "timezone": hours.timezone},
        on_call=on_call if opens_at is not None or not hours.enabled else "",
    )
