"""A desk process for the crash tests, run as ``python -m tests.outbox.proc MODE URL ...``.

``commit URL``: open a ticket (its outbox row is committed with it), say so, then hang until
killed. ``deliver URL FILE [--hang before|after] [--at ISO]``: run the outbox worker once with a
deliverer that appends each accepted key to FILE (fsync'd) and skips keys already there, the way
a Slack deliverer checks message metadata; ``--hang`` stops it, before or after the channel
accepted the message, until killed.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from datetime import datetime
from pathlib import Path

from actions.intake import NewTicket, open_ticket
from actions.outbox import OutboxItem, RetryPolicy, deliver_due
from actions.services import build_services
from actions.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
POLICY = RetryPolicy(lease_seconds=60)


class FileDeliverer:
    def __init__(self, path: Path, hang: str | None) -> None:
        self.path, self.hang = path, hang

    def deliver(self, item: OutboxItem) -> None:
        seen = self.path.read_text().split() if self.path.exists() else []
        if item.key in seen:
            return  # the channel already has it: idempotent by key
        if self.hang == "before":
            _hang(f"delivering {item.key}")
        with self.path.open("a") as out:
            out.write(item.key + "\n")
            out.flush()
            os.fsync(out.fileno())
        if self.hang == "after":
            _hang(f"delivered {item.key}")


def _hang(line: str) -> None:
    print(line, flush=True)
    threading.Event().wait()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["commit", "deliver"])
    parser.add_argument("url")
    parser.add_argument("file", nargs="?")
    parser.add_argument("--hang", choices=["before", "after"])
    parser.add_argument("--at")
    parser.add_argument("--requester", type=int, default=1)
    args = parser.parse_args()
    services = build_services(load_settings(ROOT / "config.yml", env={}), database_url=args.url)
    if args.mode == "commit":
        view = open_ticket(services.uow(), services.settings, NewTicket(
            requester_id=args.requester, description="El monitor parpadea", category="hardware"))
        _hang(f"committed {view.key}")
    now = datetime.fromisoformat(args.at) if args.at else None
    deliverer = FileDeliverer(Path(args.file), args.hang)
    report = deliver_due(services, {"slack": deliverer, "console": deliverer}, now=now,
                         policy=POLICY)
    print(report.summary(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
