"""The inbox workers of a running process: take stored requests and run them through the app.

Each worker thread takes one due row at a time (``actions.inbox.take``: ``SKIP LOCKED`` on
PostgreSQL, so any number of processes share the queue), rebuilds the Slack request exactly as
it was received and dispatches it through the Bolt app, which runs the listener in this thread
(the app serves HTTP with ``process_before_response``). While it runs, ``current_job`` names the
row: the app's error handler records a passing failure on it instead of apologising, and the
unit of work can mark the row done in the turn's own commit. A heartbeat keeps the leases of
running rows fresh, so the rows of a killed process are free again within one lease, and says
in the log when the queue falls behind.

``stop(deadline)`` is the drain: no new rows are taken, running ones may finish until the
deadline, and whatever is still running then is handed back to the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import queue
import socket
import threading
import time
import uuid
from collections.abc import Callable

from slack_bolt import App, BoltRequest

from actions import inbox
from actions.inbox import DEFAULT_POLICY, Job, RetryPolicy, current_job
from actions.services import Services

log = logging.getLogger("bot.inbox")


def process_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Quiet:
    """One log line per kind of failure while it lasts, not one per attempt."""

    def __init__(self) -> None:
        self._last: dict[str, str] = {}

    def failed(self, what: str, exc: BaseException) -> None:
        line = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        if self._last.get(what) != line:
            log.warning("%s failed: %s", what, line[:300])
            self._last[what] = line

    def recovered(self, what: str) -> None:
        if self._last.pop(what, None) is not None:
            log.info("%s works again", what)


class InboxWorkers:
    def __init__(self, services: Services, app: App, *, threads: int = 8,
                 policy: RetryPolicy = DEFAULT_POLICY, lag_warning_seconds: float = 30.0,
                 idle_seconds: float = 2.0, done_in_commit: bool = True,
                 on_lag: Callable[[inbox.InboxStats], None] | None = None) -> None:
        self.services, self.app, self.policy = services, app, policy
        #: Mark each row done inside the turn's own commit (``Services.turn``: dedupe key,
        #: person, state, writes and outgoing messages commit together), so a crash either
        #: leaves the row to be worked again with nothing of it committed, or leaves it done
        #: with everything committed and its messages in the outbox. A handler that commits no
        #: turn has its row marked done by the worker once it returned; a re-run's direct posts
        #: are recognised by their marks (``bot.slack.client``).
        self.done_in_commit = done_in_commit
        self.on_lag = on_lag
        self.owner = process_name()
        self.lag_warning_seconds = lag_warning_seconds
        self.idle_seconds = idle_seconds
        self.stats: inbox.InboxStats | None = None
        self.database_ok = True
        self._threads = [threading.Thread(target=self._work, name=f"inbox-{n}", daemon=True)
                         for n in range(threads)]
        self._beat = threading.Thread(target=self._heartbeat, name="inbox-heartbeat",
                                      daemon=True)
        self._stopping = threading.Event()
        #: Rows the door stored already leased to this process, waiting for a free worker
        #: (handed over in the door's event loop: a ``SimpleQueue``'s put is one C call).
        #: ``None`` wakes an idle worker when the workers stop, so a drain does not wait out
        #: ``idle_seconds`` for each of them.
        self._handed: queue.SimpleQueue[inbox.InboxRow | None] = queue.SimpleQueue()
        self._queued: dict[int, tuple[int, int]] = {}  # row id -> (row id, attempts)
        self._running: dict[int, tuple[int, int]] = {}  # thread id -> (row id, attempts)
        self._lock = threading.Lock()
        self._quiet = Quiet()
        self._lag_said = 0.0

    # --- lifecycle ----------------------------------------------------------------------------
    def release_orphans(self) -> None:
        """Rows held by processes of this host that are gone are due now: a previous run that
        crashed, or another process of this desk that died (``bot.processes``)."""
        try:
            inbox.release_orphans(self.services, host=socket.gethostname(), me=self.owner,
                                  alive=_alive)
        except Exception as exc:  # noqa: BLE001 - their leases run out instead
            self._quiet.failed("releasing rows of a process that is gone", exc)

    def start(self) -> InboxWorkers:
        self.release_orphans()
        for thread in self._threads:
            thread.start()
        self._beat.start()
        log.info("inbox workers started: %d threads (%s)", len(self._threads), self.owner)
        return self

    def accept(self, row: inbox.InboxRow) -> None:
        """A row the door stored already leased to this process: the next free worker runs it
        (the heartbeat keeps its lease while it waits)."""
        with self._lock:
            self._queued[row.id] = (row.id, row.attempts)
        self._handed.put(row)

    def stop(self, timeout: float = 20.0) -> int:
        """Drain: take nothing more, let running rows finish until ``timeout``; rows still
        running then go back to the queue. Returns how many were handed back."""
        self._stopping.set()
        for _ in self._threads:
            self._handed.put(None)
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        with self._lock:
            left = list(self._running.values()) + list(self._queued.values())
        given = 0
        if left:
            try:
                given = inbox.give_back(self.services, left)
            except Exception as exc:  # noqa: BLE001 - their leases run out instead
                self._quiet.failed("handing rows back", exc)
            log.warning("drain: %d rows still running at the deadline, %d handed back",
                        len(left), given)
        self._beat.join(timeout=2)
        return given

    @property
    def busy(self) -> int:
        with self._lock:
            return len(self._running)

    # --- the work -------------------------------------------------------------------------------
    def _work(self) -> None:
        me = threading.get_ident()
        failures = 0
        while not self._stopping.is_set():
            row = self._next_handed(0)
            if row is None:
                if self._stopping.is_set():  # a drain takes no more rows from the database
                    break
                try:
                    rows = inbox.take(self.services, owner=self.owner, limit=1,
                                      policy=self.policy)
                    self._quiet.recovered("taking inbox rows")
                    self.database_ok, failures = True, 0
                except Exception as exc:  # noqa: BLE001 - the database is away; try again later
                    self._quiet.failed("taking inbox rows", exc)
                    self.database_ok, failures = False, failures + 1
                    self._stopping.wait(min(5.0, 0.2 * 2 ** min(failures, 5)))
                    continue
                row = rows[0] if rows else self._next_handed(self.idle_seconds)
                if row is None:
                    continue
            with self._lock:
                self._running[me] = (row.id, row.attempts)
            try:
                self._run(row)
            finally:
                with self._lock:
                    self._running.pop(me, None)

    def _next_handed(self, wait: float) -> inbox.InboxRow | None:
        if self._stopping.is_set():
            return None
        try:
            row = self._handed.get(timeout=wait) if wait > 0 else self._handed.get_nowait()
        except queue.Empty:
            return None
        if row is None:  # the wake-up of ``stop``
            return None
        with self._lock:
            self._queued.pop(row.id, None)
        return row

    def _run(self, row: inbox.InboxRow) -> None:
        job = Job(row=row, policy=self.policy, done_in_commit=self.done_in_commit)
        token = current_job.set(job)
        error: BaseException | None = None
        try:
            self.app.dispatch(BoltRequest(body=row.body, headers=row.headers, mode="http"))
        except Exception as exc:  # noqa: BLE001 - Bolt's own failure: same as a listener's
            error = exc
        finally:
            current_job.reset(token)
        error = error or job.error
        try:
            outcome = inbox.finish(self.services, job, error)
            self._quiet.recovered("recording inbox outcomes")
        except Exception as exc:  # noqa: BLE001 - its lease runs out and it is tried again
            self._quiet.failed("recording inbox outcomes", exc)
            return
        if error is not None and outcome == inbox.PENDING:
            self._quiet.failed(f"inbox {row.kind}", error)

    # --- heartbeat: leases and lag ----------------------------------------------------------------
    def _heartbeat(self) -> None:
        every = max(0.5, self.policy.lease_seconds / 4)
        purged_at = 0.0
        while not self._stopping.wait(every):
            if time.monotonic() - purged_at > 600:  # finished rows are kept a week
                purged_at = time.monotonic()
                with contextlib.suppress(Exception):
                    inbox.purge(self.services)
            with self._lock:
                claims = list(self._running.values()) + list(self._queued.values())
            try:
                inbox.extend_leases(self.services, claims, self.policy)
                self.stats = inbox.stats(self.services)
                self._quiet.recovered("inbox heartbeat")
            except Exception as exc:  # noqa: BLE001
                self._quiet.failed("inbox heartbeat", exc)
                continue
            self._say_lag()

    def _say_lag(self) -> None:
        stats = self.stats
        if stats is None or stats.lag_seconds <= self.lag_warning_seconds:
            return
        if time.monotonic() - self._lag_said >= 60:
            self._lag_said = time.monotonic()
            log.warning("inbox is falling behind: %d waiting, the oldest for %.0f s "
                        "(more processes or threads needed?)", stats.waiting, stats.lag_seconds)
        if self.on_lag is not None:
            self.on_lag(stats)


class InboxWriter:
    """Stores what the door receives, in batches: one thread, one transaction per batch.

    The door must answer within Slack's 3 seconds whatever the workers are doing, and every
    acknowledgement waits for its row's commit. A thread of its own keeps the receipts from
    queueing behind the workers for a thread or a pooled connection, and whatever arrives while
    one batch commits goes into the next: under load a commit stores many deliveries (one
    statement that is its own transaction), and alone a delivery costs one such statement.
    A batch's requests learn their outcome together: one wake-up of the door's event loop per
    batch, not one per request.
    """

    #: How many stored keys are remembered: Slack re-sends an event within minutes.
    REMEMBERED = 10_000

    def __init__(self, services: Services, *, owner: str | None = None,
                 policy: RetryPolicy = DEFAULT_POLICY, max_batch: int = 100) -> None:
        self.services, self.owner, self.policy = services, owner, policy
        self.max_batch = max_batch
        self._stored: dict[str, None] = {}  # keys committed by this writer, oldest first
        self._queue: queue.SimpleQueue[tuple[inbox.Delivery, Waiter]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def stored(self, key: str) -> bool:
        """Whether this writer already committed a delivery with ``key``: a re-sent delivery
        is then acknowledged without a transaction. Slack re-sends when an answer was slow,
        that is when the desk is busiest, and the database would only say "seen before"."""
        return key in self._stored

    def _remember(self, keys: list[str]) -> None:
        with self._lock:
            for key in keys:
                self._stored[key] = None
            while len(self._stored) > self.REMEMBERED:
                del self._stored[next(iter(self._stored))]

    def submit(self, delivery: inbox.Delivery) -> Waiter:
        """The stored row once its batch committed (None: the key was seen before); the
        database's error when the batch could not be stored. Called in an event loop (the
        door's), whose future it is."""
        future: Waiter = asyncio.get_running_loop().create_future()
        self._queue.put((delivery, future))
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._write, name="inbox-writer",
                                                    daemon=True)
                    self._thread.start()
        return future

    def _write(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                rows = inbox.receive_many(self.services, [d for d, _ in batch],
                                          owner=self.owner, policy=self.policy)
            except Exception as exc:  # noqa: BLE001 - each request answers it (not stored)
                _settle([(future, None) for _, future in batch], exc)
                continue
            self._remember([delivery.key for delivery, _ in batch])  # new or seen, stored
            _settle([(future, row) for (_, future), row in zip(batch, rows, strict=True)], None)


#: A request's wait for its delivery's row, in the door's event loop.
Waiter = asyncio.Future[inbox.InboxRow | None]


def _settle(outcomes: list[tuple[Waiter, inbox.InboxRow | None]],
            error: BaseException | None) -> None:
    """Tell each waiting request its row (or the error), in the thread of its own event loop:
    one ``call_soon_threadsafe`` (one wake-up) per loop for the whole batch."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[Waiter, inbox.InboxRow | None]]] = {}
    for outcome in outcomes:
        by_loop.setdefault(outcome[0].get_loop(), []).append(outcome)
    for loop, theirs in by_loop.items():
        with contextlib.suppress(RuntimeError):  # the loop closed: its requests are gone
            loop.call_soon_threadsafe(_settle_in_loop, theirs, error)


def _settle_in_loop(outcomes: list[tuple[Waiter, inbox.InboxRow | None]],
                    error: BaseException | None) -> None:
    for future, row in outcomes:
        if future.done():  # its request went away (cancelled)
            continue
        if error is None:
            future.set_result(row)
        else:
            future.set_exception(error)
