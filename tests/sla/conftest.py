"""SLA test helpers: a frozen desk clock, business hours on demand, tickets per priority."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from actions.intake import NewTicket, open_ticket
from actions.settings import BusinessHours
from store.models import Event, OutboxMessage, Ticket

#: Monday 2 March 2026, 09:00 in Mexico City (UTC-6 all year).
T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
LEVELS = {"P1": ("high", "high"), "P2": ("high", "medium"), "P3": ("medium", "medium"),
          "P4": ("low", "low")}
MX_HOURS = BusinessHours(enabled=True, timezone="America/Mexico_City", start="09:00",
                         end="18:00", holidays=("2026-03-16",))


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    """The desk's clock, stopped at T0; ``clock.move_to(...)`` jumps."""
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def later(minutes: float = 0, *, days: float = 0) -> datetime:
    return T0 + timedelta(minutes=minutes, days=days)


def use_business_hours(services, hours: BusinessHours = MX_HOURS) -> None:
    settings = services.settings
    services.settings = replace(settings, sla=replace(settings.sla, business_hours=hours))


def set_sla(services, **changes) -> None:
    settings = services.settings
    services.settings = replace(settings, sla=replace(settings.sla, **changes))


def open_with(services, cast, priority: str = "P2", category: str = "hardware",
              requester=None):
    impact, urgency = LEVELS[priority]
    return open_ticket(services.uow(), services.settings, NewTicket(
        requester_id=(requester or cast.carlos).id,
        description=f"La impresora no imprime {priority}", category=category,
        impact=impact, urgency=urgency))


def events(services, key: str, type_: str) -> list[Event]:
    with services.session_factory() as session:
        return list(session.scalars(select(Event).join(Ticket, Ticket.id == Event.ticket_id)
                                    .where(Ticket.key == key, Event.type == type_)
                                    .order_by(Event.seq)).all())


def outbox(services, template: str) -> list[OutboxMessage]:
    with services.session_factory() as session:
        return list(session.scalars(select(OutboxMessage).where(
            OutboxMessage.template == template).order_by(OutboxMessage.id)).all())
