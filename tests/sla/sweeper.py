"""A scheduler process for the concurrency test: ``python -m tests.sla.sweeper URL START N STEP``.

Prints ``ready``, waits for a line on stdin (so two processes start together), then runs N sweeps
with the desk clock at START, START + STEP minutes, ... and prints what it did as JSON.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta
from pathlib import Path

import time_machine

from actions.services import build_services
from actions.settings import load_settings
from actions.sweep import sweep

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    url, start, count, step = sys.argv[1], datetime.fromisoformat(sys.argv[2]), \
        int(sys.argv[3]), float(sys.argv[4])
    services = build_services(load_settings(ROOT / "config.yml", env={}), database_url=url)
    print("ready", flush=True)
    sys.stdin.readline()
    totals: dict[str, int] = {}
    for i in range(count):
        with time_machine.travel(start + timedelta(minutes=i * step), tick=False):
            report = sweep(services, limit=50)
        for name, value in report.to_dict().items():
            if isinstance(value, list):
                totals[name] = totals.get(name, 0) + len(value)
    print(json.dumps(totals), flush=True)
    services.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
