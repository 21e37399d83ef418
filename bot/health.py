"""Readiness: whether this process should be sent traffic right now, and why not.

Ready means: not stopping, the database answers, the NLU model and the FAQ matcher are loaded
(warmed up in the background at start, so the first message does not wait for them), and the
inbox is not falling behind (the oldest waiting request is younger than the limit). Each check
is cheap; the database is asked at most once a second whatever the probe rate.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from typing import Any

from actions.services import Services
from store.db import ping

log = logging.getLogger("bot.health")


def settle_heap() -> None:
    """Move everything alive now (modules, the NLU model, the matcher, templates: what lives
    as long as the process) out of the garbage collector's reach.

    A full collection walks every tracked object; with the models loaded that is about two
    hundred thousand, and the pause (100-250 ms with the interpreter lock held) came in the
    middle of traffic: every Slack delivery of that moment waited for it. Frozen, they are never
    walked again, and a full collection only looks at what the traffic itself created."""
    gc.collect()
    gc.freeze()


class Readiness:
    def __init__(self, services: Services, workers: Any, *,
                 lag_limit_seconds: float = 30.0) -> None:
        self.services, self.workers = services, workers
        self.lag_limit_seconds = lag_limit_seconds
        self.models_loaded = threading.Event()
        self._db: tuple[float, str | None] = (0.0, None)
        self._lock = threading.Lock()

    def warm_up(self, *, settle: bool = False) -> None:
        """Load the NLU model and the matcher in the background; ``settle``: then freeze the
        heap (``settle_heap``: a serving process, whose heap is its own for its whole life)."""

        def load() -> None:
            try:
                _ = self.services.interpreter, self.services.matcher
            except Exception:  # noqa: BLE001 - readiness keeps saying why
                log.exception("could not load the NLU model or the FAQ matcher")
                return
            if settle:
                settle_heap()
            self.models_loaded.set()

        threading.Thread(target=load, name="warm-up", daemon=True).start()

    def database_problem(self) -> str | None:
        with self._lock:
            at, problem = self._db
            if time.monotonic() - at < 1.0:
                return problem
            try:
                ping(self.services.engine)
                problem = None
            except Exception as exc:  # noqa: BLE001 - that is the answer
                problem = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
            self._db = (time.monotonic(), problem)
            return problem

    def report(self, stopping: bool) -> dict[str, Any]:
        problems: list[str] = []
        if stopping:
            problems.append("stopping")
        database = self.database_problem()
        if database:
            problems.append(f"database unreachable: {database}")
        if not self.models_loaded.is_set():
            problems.append("models loading")
        stats = getattr(self.workers, "stats", None)
        lag = stats.lag_seconds if stats is not None else 0.0
        if not database and lag > self.lag_limit_seconds:
            problems.append(f"inbox lag {lag:.0f} s over {self.lag_limit_seconds:.0f} s")
        return {"ready": not problems, "problems": problems,
                "inbox_waiting": stats.waiting if stats is not None else None,
                "inbox_lag_seconds": round(lag, 1)}
