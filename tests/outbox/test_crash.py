"""Kill a real process with SIGKILL at the worst moments, start another: delivered, once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from actions.common import now
from tests.outbox.conftest import open_one, rows, url_of

ROOT = Path(__file__).resolve().parents[2]


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "tests.outbox.proc", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})


def wait_for(proc: subprocess.Popen[str], prefix: str) -> str:
    line = proc.stdout.readline() if proc.stdout else ""
    if not line.startswith(prefix):
        proc.kill()
        raise AssertionError(f"expected {prefix!r}, got {line!r}: {proc.communicate()[1]}")
    return line.split()[1]


def kill(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL


def run(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "tests.outbox.proc", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_killed_after_commit_the_message_is_delivered_by_the_next_process(
        services, cast, tmp_path):
    record = tmp_path / "delivered.txt"
    proc = start("commit", url_of(services), "--requester", str(cast.carlos.id))
    key = wait_for(proc, "committed")
    kill(proc)
    [row] = rows(services)
    assert row.status == "pending" and row.context["ticket"]["key"] == key
    assert "delivered 1" in run("deliver", url_of(services), str(record))
    assert "delivered 0" in run("deliver", url_of(services), str(record))
    assert record.read_text().split() == [row.key]
    assert rows(services)[0].status == "delivered"


@pytest.mark.postgres
@pytest.mark.parametrize("moment", ["before", "after"])
def test_killed_mid_delivery_it_is_delivered_once_after_the_lease(
        pg_services, tmp_path, settings, moment):
    from tests.conftest import add_cast

    services = pg_services
    open_one(services, add_cast(services), settings)
    record = tmp_path / "delivered.txt"
    proc = start("deliver", url_of(services), str(record), "--hang", moment)
    key = wait_for(proc, "delivering" if moment == "before" else "delivered")
    kill(proc)
    assert rows(services)[0].status == "sending"
    # Another process right away: the dead one's lease still holds the row.
    assert "delivered 0" in run("deliver", url_of(services), str(record))
    after_lease = (now() + timedelta(seconds=61)).isoformat()
    assert "delivered 1" in run("deliver", url_of(services), str(record), "--at", after_lease)
    assert record.read_text().split() == [key]
    [row] = rows(services)
    assert row.status == "delivered" and row.attempts == 2
