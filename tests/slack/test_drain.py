"""Stopping a desk with nothing to do ends its inbox workers at once.

An idle worker waits for the door to hand it a row; a deploy or a SIGTERM must not wait out
that idle wait for each worker before the process can exit."""

from __future__ import annotations

import sys
import threading
import time

from slack_bolt import App

from actions.services import Services
from bot.inbox import InboxWorkers

PATIENCE = 60.0


def _idle(threads: list[threading.Thread]) -> bool:
    """Every one of ``threads`` is blocked waiting for a handed row."""
    frames = sys._current_frames()
    found = 0
    for thread in threads:
        frame = frames.get(thread.ident or 0)
        waiting = False
        while frame is not None:
            waiting = waiting or frame.f_code.co_name == "_next_handed"
            frame = frame.f_back
        found += waiting
    return found == len(threads)


def test_a_drain_ends_idle_workers_however_long_they_would_wait(
        sqlite_services: Services) -> None:
    bolt = App(token="xoxb-test", signing_secret="secret", token_verification_enabled=False)
    before = set(threading.enumerate())
    workers = InboxWorkers(sqlite_services, bolt, threads=3, idle_seconds=3600).start()
    mine = [t for t in threading.enumerate()  # this desk's workers, whatever else runs
            if t not in before and t.name.startswith("inbox-") and t.name[6:].isdigit()]
    assert len(mine) == 3
    deadline = time.monotonic() + PATIENCE
    while not _idle(mine):
        assert time.monotonic() < deadline, "the workers never went idle"
        time.sleep(0.05)

    assert workers.stop(timeout=PATIENCE / 2) == 0  # nothing was running: nothing handed back

    assert [t.name for t in mine if t.is_alive()] == []
