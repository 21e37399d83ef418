"""The app side of ``bench.slack``: ``deskbot run`` in this process, plus a commit counter.

``python -m bench.slack_app run --host ... --port ...`` is ``deskbot run`` unchanged (the same
composition root, settings from the environment), with SQLAlchemy's ``begin`` and ``commit``
events counted on every engine of the process, and the one-statement autocommit writes
SQLAlchemy does not see (``_count_autocommit_statements``). With ``--processes N`` the
secondaries are started as this same module, so each process of the desk counts its own.
Every process writes its counts to ``$BENCH_COUNTS_DIR/<pid>`` (``<commits> <transactions
begun> <when>``, the last being ``time.monotonic()`` when counted, the same clock in every
process of the machine) every 100 ms and at exit; the benchmark sums the files, waiting for
a count newer than its question. Counting inside the processes that do the work is the only
way to count on SQLite too.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

_counts = {"commit": 0, "begin": 0}
_lock = threading.Lock()
EVERY = 0.1


def _counter(name: str) -> Any:
    def count(_connection: Any) -> None:
        with _lock:
            _counts[name] += 1

    return count


def _write_counts(folder: Path) -> None:
    """This process's counts, replaced whole (a reader never sees half a line)."""
    with _lock:
        line = f"{_counts['commit']} {_counts['begin']} {time.monotonic():.6f}\n"
    target = folder / str(os.getpid())
    scratch = folder / f".{os.getpid()}.tmp"
    scratch.write_text(line)
    os.replace(scratch, target)


def _keep_writing(folder: Path) -> None:
    while True:
        _write_counts(folder)
        time.sleep(EVERY)


def _own(path: str) -> str:
    """A secondary process writes its own file beside the primary's."""
    return f"{path}.{os.getpid()}" if "--secondary" in sys.argv else path


def _profile_threads(path: str) -> None:
    """``BENCH_PROFILE=<file>``: profile every thread started from here on, and write the
    merged ``pstats`` to <file> as each thread ends (cProfile sees one thread at a time)."""
    import cProfile
    import pstats

    profiles: list[cProfile.Profile] = []
    original = threading.Thread.run

    def run(self: threading.Thread) -> None:
        profile = cProfile.Profile(time.thread_time)
        with _lock:
            profiles.append(profile)
        profile.enable()
        try:
            original(self)
        finally:
            profile.disable()

    def dump() -> None:
        with _lock:
            done = list(profiles)
        for profile in done:
            profile.create_stats()
            profile.enable()
        stats = pstats.Stats(done[0]) if done else None
        for profile in done[1:]:
            stats.add(profile)  # type: ignore[union-attr]
        if stats is not None:
            stats.dump_stats(path)

    def every_few_seconds() -> None:
        import time

        while True:  # the desk may leave without running atexit hooks
            time.sleep(3)
            dump()

    threading.Thread(target=every_few_seconds, name="bench-profile", daemon=True).start()
    threading.Thread.run = run  # type: ignore[method-assign]


def _log_statements(path: str) -> None:
    """``BENCH_SQL=<file>``: count every statement the process runs, by its text, and write
    the counts (most frequent first) to <file> every few seconds."""
    from collections import Counter

    seen: Counter[str] = Counter()

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        with _lock:
            seen[" ".join(statement.split())[:160]] += 1

    def dump() -> None:
        while True:
            time.sleep(3)
            with _lock:
                lines = [f"{n:6d}  {s}" for s, n in seen.most_common()]
            with open(path, "w") as out:
                out.write("\n".join(lines) + "\n")

    event.listen(Engine, "before_cursor_execute", before)
    threading.Thread(target=dump, name="bench-sql", daemon=True).start()


def _count_autocommit_statements() -> None:
    """The background writers' one-statement writes (the door's receipts, the delivered marks:
    ``store.db.autocommit_connection``) run on the driver's connection in autocommit, where
    SQLAlchemy's events do not see them. Each use runs one statement, which is a transaction
    of its own: counted here as one begun and, when it went through, one committed."""
    import store.db
    import store.inbox
    import store.repositories

    original = store.db.autocommit_connection

    @contextlib.contextmanager
    def counted(engine: Any) -> Iterator[Any]:
        with _lock:
            _counts["begin"] += 1
        with original(engine) as driver:
            yield driver
        with _lock:
            _counts["commit"] += 1

    for module in (store.db, store.inbox, store.repositories):
        if module.autocommit_connection is original:
            module.autocommit_connection = counted  # type: ignore[assignment,attr-defined]


def main(argv: list[str] | None = None) -> int:
    if os.environ.get("BENCH_SQL"):
        _log_statements(_own(os.environ["BENCH_SQL"]))
    if os.environ.get("BENCH_PROFILE"):
        _profile_threads(_own(os.environ["BENCH_PROFILE"]))
    event.listen(Engine, "commit", _counter("commit"))
    event.listen(Engine, "begin", _counter("begin"))
    _count_autocommit_statements()
    folder = os.environ.get("BENCH_COUNTS_DIR")
    if folder:
        _write_counts(Path(folder))
        atexit.register(_write_counts, Path(folder))
        threading.Thread(target=_keep_writing, args=(Path(folder),), name="bench-counts",
                         daemon=True).start()
    from bot.cli import main as deskbot

    return deskbot(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
