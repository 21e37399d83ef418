"""``deskbot run --processes 2``: one port served by two processes, as one desk.

Real processes, real HTTP, the Web API stand-in, as in ``test_lifecycle``. Which process worked a
DM is read from its inbox row: the row is stored leased to the process whose door received it,
and its ``owner`` (``host:pid:nonce``) keeps that name once done.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from actions.services import build_services
from store.models import InboxItem
from tests.slack.stand_in import SlackStandIn
from tests.slack.test_blackbox import DESKBOT, PATIENCE, Desk, database
from tests.slack.test_lifecycle import _api, _burst, _env, _idle, doubled

LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+)/slack/events")


def _children(pid: int) -> set[int]:
    """Live processes whose parent is ``pid`` (read from /proc, as ``ps`` does)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            state, ppid = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:2]
        except (OSError, ValueError):
            continue
        if int(ppid) == pid and state != "Z":
            found.add(int(entry.name))
    return found


def _gone(pid: int) -> bool:
    try:
        return (Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z")
    except OSError:
        return True


def _wait(condition: Any, what: str, timeout: float = PATIENCE) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


class Desks(Desk):
    """``deskbot run --processes 2`` on a port of its own choosing (``--port 0``)."""

    def start_processes(self, count: int = 2) -> int:
        with self.log.open("wb") as err:
            self.process = subprocess.Popen(
                [str(DESKBOT), "run", "--host", "127.0.0.1", "--port", "0", "--processes",
                 str(count), "--drain-seconds", "10"],
                env=self.env, stdout=subprocess.DEVNULL, stderr=err)

        def listening() -> str | None:
            assert self.process is not None and self.process.poll() is None, self.stderr()
            found = LISTENING.search(self.stderr())
            return found.group(1) if found else None

        self.url = _wait(listening, "the primary listening")
        return self.secondary()

    def secondary(self, other_than: int | None = None) -> int:
        """The secondary process, once it says it serves (another one than ``other_than``)."""
        assert self.process is not None

        def serving() -> int | None:
            assert self.process is not None and self.process.poll() is None, self.stderr()
            for pid in _children(self.process.pid) - {other_than}:
                if f"process {pid} (of primary {self.process.pid}) serving" in self.stderr():
                    return pid
            return None

        return int(_wait(serving, "the secondary process serving"))

    def owners(self) -> set[int]:
        """The pids of the processes whose doors stored the inbox rows."""
        services = build_services(database_url=self.env["DESKBOT_DATABASE_URL"])
        try:
            with services.session_factory() as session:
                names = session.scalars(select(InboxItem.owner).distinct()).all()
        finally:
            services.close()
        return {int(name.split(":")[1]) for name in names if name}


@pytest.fixture
def desks(tmp_path: Path) -> Iterator[Desks]:
    api: SlackStandIn = _api()
    with database("postgres", tmp_path) as url:
        running = Desks(api, _env(api, url), tmp_path / "run.log")
        try:
            yield running
        finally:
            running.stop()
            api.stop()


def _answered(desk: Desks, events: list[dict[str, Any]], *, one_post: bool = True) -> None:
    """Every DM answered, no message posted twice; with ``one_post``, one post per thread."""
    def all_answered() -> bool:
        return all(desk.posts(e["channel"], e["ts"]) for e in events)

    desk.api.wait_for(all_answered, timeout=PATIENCE, what="every acknowledged DM answered")
    _idle(desk)
    if one_post:
        assert [len(desk.posts(e["channel"], e["ts"])) for e in events] == [1] * len(events)
    assert doubled(desk.api) == []


def _served_by(desk: Desks, pids: set[int], sent: list[dict[str, Any]]) -> None:
    """Send DMs (10 at a time, at most 100) until each of ``pids`` has stored some."""
    while not pids <= desk.owners():
        assert len(sent) < 100, f"processes {pids} did not all serve: {desk.owners()}"
        burst = _burst(desk, 10)
        assert len(burst) == 10
        sent += burst


@pytest.mark.postgres
def test_two_processes_share_the_port_and_stop_together(desks: Desks) -> None:
    secondary = desks.start_processes(2)
    assert desks.process is not None
    primary = desks.process.pid
    sent = _burst(desks, 40)
    assert len(sent) == 40  # every DM acknowledged
    _served_by(desks, {primary, secondary}, sent)
    _answered(desks, sent)

    desks.process.send_signal(signal.SIGTERM)
    assert desks.process.wait(timeout=PATIENCE) == 0
    _wait(lambda: _gone(secondary), "the secondary gone with its primary")
    assert "Traceback" not in desks.stderr(), desks.stderr()


@pytest.mark.postgres
def test_a_killed_secondary_is_started_again_and_leaves_with_a_killed_primary(
        desks: Desks) -> None:
    first = desks.start_processes(2)
    assert desks.process is not None
    sent = _burst(desks, 20)
    assert len(sent) == 20
    os.kill(first, signal.SIGKILL)  # maybe with acknowledged DMs of its own not yet answered
    second = desks.secondary(other_than=first)
    assert "ended unexpectedly" in desks.stderr()
    _served_by(desks, {second}, sent)
    _answered(desks, sent, one_post=False)  # a turn cut short may have posted: not again

    desks.process.kill()  # the primary: the secondary must not serve on unsupervised
    desks.process.wait(timeout=PATIENCE)
    _wait(lambda: _gone(second), "the secondary stopping without its primary")
    assert "Traceback" not in desks.stderr(), desks.stderr()


def test_more_than_one_process_on_sqlite_is_refused(tmp_path: Path) -> None:
    api = _api()
    try:
        with database("sqlite", tmp_path) as url:
            done = subprocess.run([str(DESKBOT), "run", "--port", "0", "--processes", "2"],
                                  env=_env(api, url), capture_output=True, text=True,
                                  timeout=PATIENCE)
    finally:
        api.stop()
    assert done.returncode == 2
    assert "--processes needs PostgreSQL" in done.stderr


@pytest.mark.postgres
def test_more_than_one_process_in_socket_mode_is_refused(tmp_path: Path) -> None:
    api = _api()
    try:
        with database("postgres", tmp_path) as url:
            env = dict(_env(api, url), SLACK_APP_TOKEN="xapp-test")
            done = subprocess.run([str(DESKBOT), "run", "--processes", "2"], env=env,
                                  capture_output=True, text=True, timeout=PATIENCE)
    finally:
        api.stop()
    assert done.returncode == 2
    assert "Socket Mode" in done.stderr and "one process" in done.stderr


def test_processes_must_be_one_or_more() -> None:
    done = subprocess.run([str(DESKBOT), "run", "--processes", "0"], capture_output=True,
                          text=True, timeout=PATIENCE)
    assert done.returncode == 2
    assert "--processes: must be 1 or more" in done.stderr
