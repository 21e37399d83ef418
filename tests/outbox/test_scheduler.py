"""The scheduler of `deskbot run`: its own in-memory jobs, fixed ids, one run at a time."""

from __future__ import annotations

import threading

from apscheduler.jobstores.memory import MemoryJobStore

from bot.scheduler import DIGEST_JOB, OUTBOX_JOB, SWEEP_JOB, build_scheduler, start_scheduler
from tests.conftest import add_cast
from tests.outbox.conftest import open_one, rows


class Signal:
    """A deliverer that lets the test wait for the first delivery (no sleeping)."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.keys: list[str] = []

    def deliver(self, item) -> None:  # type: ignore[no-untyped-def]
        self.keys.append(item.key)
        self.done.set()


def test_jobs_have_fixed_ids_and_run_one_at_a_time(sqlite_services):
    scheduler = build_scheduler(sqlite_services, {})
    scheduler.start(paused=True)
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert set(jobs) == {SWEEP_JOB, OUTBOX_JOB, DIGEST_JOB}
        for job in jobs.values():
            assert job.coalesce is True and job.max_instances == 1
        assert isinstance(scheduler._jobstores["default"], MemoryJobStore)
        # Adding one again (a restart in the same process) replaces rather than duplicates.
        scheduler.add_job(print, "interval", seconds=5, id=SWEEP_JOB, replace_existing=True)
        assert len(scheduler.get_jobs()) == 3
    finally:
        scheduler.shutdown(wait=False)


def test_a_started_desk_delivers_what_is_waiting_right_away(sqlite_services, settings):
    open_one(sqlite_services, add_cast(sqlite_services), settings)
    slack = Signal()
    scheduler = start_scheduler(sqlite_services, {"slack": slack})
    try:
        assert slack.done.wait(timeout=30)
    finally:
        scheduler.shutdown(wait=True)
    assert slack.keys == [rows(sqlite_services)[0].key]
    assert rows(sqlite_services)[0].status == "delivered"


def test_a_commit_with_messages_is_delivered_without_waiting_for_the_next_tick(
        sqlite_services, settings):
    """With an hour between ticks, only the wake-up after the commit can deliver it."""
    from actions import work

    sqlite_services.settings.raw["scheduler"] = {"outbox_seconds": 3600, "sweep_seconds": 3600}
    cast = add_cast(sqlite_services)
    slack = Signal()  # the team's card is Slack; the requester opened it in the console
    scheduler = start_scheduler(sqlite_services, {"slack": slack, "console": slack})
    try:
        key = open_one(sqlite_services, cast, settings)  # the first tick runs at start
        assert slack.done.wait(timeout=30)
        slack.done.clear()
        work.claim(sqlite_services.uow(), key=key, actor_id=cast.ana.id)
        assert slack.done.wait(timeout=30)
    finally:
        scheduler.shutdown(wait=True)
        del sqlite_services.settings.raw["scheduler"]
    assert any(k.startswith("event:") for k in slack.keys)
    assert {r.status for r in rows(sqlite_services)} == {"delivered"}
