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


def _idle(names: set[str]) -> bool:
    """Every named thread is blocked waiting for a handed row."""
    frames = sys._current_frames()
    found = 0
    for thread in threading.enumerate():
        if thread.name not in names or thread.ident not in frames:
            continue
        frame, waiting = frames[thread.ident], False
        while frame is not None:
            waiting = waiting or frame.f_code.co_name == "_next_handed"
            frame = frame.f_back
        found += waiting
    return found == len(names)


def test_a_drain_ends_idle_workers_however_long_they_would_wait(
        sqlite_services: Services) -> None:
    bolt = App(token="xoxb-test", signing_secret="secret", token_verification_enabled=False)
    workers = InboxWorkers(sqlite_services, bolt, threads=3, idle_seconds=3600).start()
    names = {f"inbox-{n}" for n in range(3)}
    deadline = time.monotonic() + PATIENCE
    while not _idle(names):
        assert time.monotonic() < deadline, "the workers never went idle"
        time.sleep(0.05)

    assert workers.stop(timeout=PATIENCE / 2) == 0  # nothing was running: nothing handed back

    still = [t.name for t in threading.enumerate() if t.name in names and t.is_alive()]
    assert still == []
