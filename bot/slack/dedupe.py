"""Slack re-sends an event it thinks was lost (``X-Slack-Retry-Num``), possibly to another process.

The envelope's ``event_id`` is recorded in ``processed_events`` in a transaction of its own before
any work starts: the first insert wins and every later delivery of the same id is acknowledged and
dropped. The primary key does the arbitration, so it holds across processes and restarts.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import IntegrityError

from actions.inbox import current_job
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


def repeated(services: Services, body: dict[str, Any], headers: dict[str, Any] | None = None,
             ) -> bool:
    """True when this event was handled before: the listener must then do nothing.

    Called first thing by every event listener, i.e. after Bolt has acknowledged the delivery,
    so the acknowledgement never waits on the database (a busy SQLite writer can take a moment)
    and before any work, so a retry finds the id already recorded.
    """
    key = event_key(body)
    if key is not None and current_job.get() is not None:
        return False  # run from the inbox: its row's unique key was the de-duplication
    if key is None or first_delivery(services, key):
        return False
    retry = ((headers or {}).get("x-slack-retry-num") or ["0"])[0]
    log.info("repeated delivery of %s (retry %s) skipped", key, retry)
    return True
