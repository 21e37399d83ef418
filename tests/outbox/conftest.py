"""Outbox test helpers: a recording deliverer, rows by status, and a ticket whose change queues
one message for the L1 team channel (``slack``) and, once claimed, one for the requester."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from actions.intake import NewTicket, open_ticket
from actions.outbox import DeliveryError, OutboxItem
from store.models import OutboxMessage

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


class Recorder:
    """Accepts everything, or raises the scripted errors first (one per call)."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.items: list[OutboxItem] = []
        self.calls = 0

    def deliver(self, item: OutboxItem) -> None:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        self.items.append(item)


def permanent(reason: str = "channel_not_found") -> DeliveryError:
    return DeliveryError(reason, retryable=False)


def open_one(services, cast, settings) -> str:
    return open_ticket(services.uow(), settings, NewTicket(
        requester_id=cast.carlos.id, description="No puedo entrar al correo",
        category="email")).key


def rows(services) -> list[OutboxMessage]:
    with services.session_factory() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all())


def url_of(services) -> str:
    return services.engine.url.render_as_string(hide_password=False)
