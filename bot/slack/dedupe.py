"""Slack re-sends an event it thinks was lost (``X-Slack-Retry-Num``), possibly to another process.

The envelope's ``event_id`` is recorded in ``processed_events`` in a transaction of its own before
any work starts: the first insert wins and every later delivery of the same id is acknowledged and
dropped. The primary key does the arbitration, so it holds across processes and restarts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltRequest, BoltResponse
from sqlalchemy.exc import IntegrityError

from actions.services import Services
from store.models import ProcessedEvent

log = logging.getLogger(__name__)


def first_delivery(services: Services, key: str) -> bool:
    """True exactly once per ``key`` (across processes); False for every repeat."""
    session = services.session_factory()
    try:
        session.add(ProcessedEvent(key=key[:255]))
        session.commit()
        return True
    except IntegrityError:
        session.rollback()
        return False
    finally:
        session.close()


def event_key(body: dict[str, Any]) -> str | None:
    """``slack:<event_id>`` for Events API envelopes; None for anything else."""
    if body.get("type") == "event_callback" and body.get("event_id"):
        return f"slack:{body['event_id']}"
    return None


def dedupe_middleware(services: Services) -> Callable[..., Any]:
    """Bolt global middleware: drop repeated deliveries of an event before any listener runs."""

    def middleware(body: dict[str, Any], request: BoltRequest,
                   next: Callable[[], BoltResponse]) -> BoltResponse:  # noqa: A002
        key = event_key(body)
        if key is not None and not first_delivery(services, key):
            retry = (request.headers.get("x-slack-retry-num") or ["0"])[0]
            log.info("duplicate delivery of %s (retry %s) acknowledged and skipped", key, retry)
            return BoltResponse(status=200, body="")
        return next()

    return middleware
