"""The app side of ``bench.slack``: ``deskbot run`` in this process, plus a commit counter.

``python -m bench.slack_app run --host ... --port ...`` is ``deskbot run`` unchanged (the same
composition root, settings from the environment), with SQLAlchemy's ``begin`` and ``commit``
events counted on every engine of the process. The benchmark asks for the counts by writing a
line to this process's stdin; the answer (``<commits> <transactions begun>``) goes to the file
descriptor named by ``BENCH_COUNTS_FD``, so that nothing the desk itself prints can be mistaken
for it. Counting inside the process that does the work is the only way to count on SQLite too.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

from sqlalchemy import Engine, event

_counts = {"commit": 0, "begin": 0}
_lock = threading.Lock()


def _counter(name: str) -> Any:
    def count(_connection: Any) -> None:
        with _lock:
            _counts[name] += 1

    return count


def _answer(fd: int) -> None:
    """One line of counts per line read on stdin, until stdin closes."""
    for _line in sys.stdin:
        with _lock:
            line = f"{_counts['commit']} {_counts['begin']}\n"
        os.write(fd, line.encode())


def main(argv: list[str] | None = None) -> int:
    event.listen(Engine, "commit", _counter("commit"))
    event.listen(Engine, "begin", _counter("begin"))
    fd = os.environ.get("BENCH_COUNTS_FD")
    if fd:
        threading.Thread(target=_answer, args=(int(fd),), name="bench-counts",
                         daemon=True).start()
    from bot.cli import main as deskbot

    return deskbot(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
