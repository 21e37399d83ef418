"""Timed work of a running desk: the SLA sweep and the outbox worker, on APScheduler 3.

``deskbot run`` calls::

    scheduler = start_scheduler(services, deliverers)   # a started BackgroundScheduler
    ...
    scheduler.shutdown(wait=True)                        # on exit

``deliverers`` maps outbox channel names to this process's ``actions.outbox.Deliverer`` objects
(``{"slack": SlackDeliverer(...), "console": ...}``); rows of channels not in it are left for a
process that can deliver them.

Each process has its own scheduler with an in-memory job store: APScheduler job stores must never
be shared between schedulers. Running several ``deskbot run`` processes is nevertheless safe,
because the jobs claim their work in the database (``actions.sweep`` locks each ticket and inserts
a ``notices`` row per notice; ``actions.outbox`` leases rows with ``FOR UPDATE SKIP LOCKED``): a
notice is sent once whichever process fires first. Jobs have fixed ids (``replace_existing``), run
one at a time per job (``max_instances=1``) and collapse missed runs into one (``coalesce``).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Mapping

from apscheduler.schedulers.background import BackgroundScheduler

from actions.common import now
from actions.inbox import passing_failure
from actions.outbox import Deliverer, deliver_due
from actions.services import Services
from actions.sweep import sweep

log = logging.getLogger(__name__)

SWEEP_JOB = "deskbot-sla-sweep"
OUTBOX_JOB = "deskbot-outbox"
DIGEST_JOB = "deskbot-weekly-digest"
#: Seconds between runs; config.yml ``scheduler:`` may override them.
DEFAULT_INTERVALS = {"sweep_seconds": 60.0, "outbox_seconds": 2.0}


_said: dict[str, str] = {}


def _failed(job: str, exc: Exception) -> None:
    """Log a failed run: a traceback for a bug; for the database or network being away, one
    line when the failure starts (not one traceback every two seconds while it lasts)."""
    if not passing_failure(exc):
        log.exception("%s failed", job, exc_info=exc)
        return
    line = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300]
    if _said.get(job) != line:
        _said[job] = line
        log.warning("%s failed (tried again at its next run): %s", job, line)


def _worked(job: str) -> None:
    if _said.pop(job, None) is not None:
        log.info("%s works again", job)


def run_sweep(services: Services) -> None:
    """Job body: one sweep; errors are logged, never raised into the scheduler thread."""
    try:
        sweep(services)
        _worked("SLA sweep")
    except Exception as exc:  # noqa: BLE001 - the next run tries again
        _failed("SLA sweep", exc)


def run_outbox(services: Services, deliverers: Mapping[str, Deliverer],
               wanted: threading.Event | None = None) -> None:
    """Job body: deliver what is due, in batches, until nothing more is due right now.

    ``wanted`` is set by commits that queued messages; a commit that lands while this run is
    under way (its wake-up is then skipped: one instance at a time) makes the run go round again.
    """
    try:
        while True:
            if wanted is not None:
                wanted.clear()
            for _ in range(50):  # at most 5,000 messages per round, then let the next continue
                report = deliver_due(services, deliverers, limit=100)
                if report.claimed < 100:
                    break
            if wanted is None or not wanted.is_set():
                _worked("outbox delivery")
                return
    except Exception as exc:  # noqa: BLE001 - the next run tries again
        _failed("outbox delivery", exc)


def run_digest(services: Services) -> None:
    """Job body: queue last week's digest for each lead (once per week and lead, whichever
    process runs it: the outbox key decides)."""
    from actions.digest import last_week, queue_digests

    try:
        queued = queue_digests(services.uow(), last_week())
        log.info("weekly digest queued for %d people", queued)
    except Exception:  # noqa: BLE001 - logged; next week's run is independent
        log.exception("weekly digest failed")


def intervals(services: Services) -> dict[str, float]:
    raw = (getattr(services.settings, "raw", None) or {}).get("scheduler") or {}
    return {name: float(raw.get(name, default)) for name, default in DEFAULT_INTERVALS.items()}


def build_scheduler(services: Services, deliverers: Mapping[str, Deliverer],
                    wanted: threading.Event | None = None) -> BackgroundScheduler:
    """The scheduler with its jobs added, not started (tests inspect it)."""
    every = intervals(services)
    scheduler = BackgroundScheduler(
        jobstores={"default": {"type": "memory"}},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30},
        timezone="UTC",
    )
    scheduler.add_job(run_sweep, "interval", seconds=every["sweep_seconds"], args=(services,),
                      id=SWEEP_JOB, name="SLA sweep and reminders", replace_existing=True)
    scheduler.add_job(run_outbox, "interval", seconds=every["outbox_seconds"],
                      args=(services, dict(deliverers), wanted), id=OUTBOX_JOB,
                      name="outbox delivery", replace_existing=True)
    scheduler.add_job(run_digest, "cron", day_of_week="mon", hour=7, args=(services,),
                      id=DIGEST_JOB, name="weekly digest for leads", replace_existing=True)
    return scheduler


def _deliver_soon(scheduler: BackgroundScheduler, wanted: threading.Event) -> None:
    """Bring the outbox job forward: a change was just committed with messages to send."""
    from apscheduler.jobstores.base import JobLookupError
    from apscheduler.schedulers import SchedulerNotRunningError

    wanted.set()  # seen by a run already under way
    # Shutting down: whichever process runs next delivers it.
    with contextlib.suppress(JobLookupError, SchedulerNotRunningError):
        scheduler.modify_job(OUTBOX_JOB, next_run_time=now())


def start_scheduler(services: Services, deliverers: Mapping[str, Deliverer]) -> BackgroundScheduler:
    """Start the desk's timed jobs in background threads; returns the running scheduler.

    Both jobs also run once right away, so a restarted process delivers what a killed one left
    behind without waiting for the first interval.
    """
    wanted = threading.Event()
    scheduler = build_scheduler(services, deliverers, wanted)
    scheduler.start()
    for job_id in (OUTBOX_JOB, SWEEP_JOB):
        job = scheduler.get_job(job_id)
        if job is not None:
            job.modify(next_run_time=now())
    services.on_outbox(lambda: _deliver_soon(scheduler, wanted))
    log.info("scheduler started: %s", ", ".join(j.id for j in scheduler.get_jobs()))
    return scheduler

