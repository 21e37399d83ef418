"""``deskbot run`` killed, stopped and started twice: nothing acknowledged is lost or doubled.

Real processes against the Web API stand-in, as in ``test_blackbox``. "Answered exactly once"
is read from Slack's side: every acknowledged DM has an answer in its thread, and no message of
a turn was posted twice (each post of a turn carries its ``<inbox key>#<n>`` mark).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from actions.inbox import stats
from actions.services import build_services
from tests.slack.stand_in import SlackStandIn, slack_user
from tests.slack.test_blackbox import DESKBOT, SECRET, Desk, database

USERS = ("UCARLOS", "UEMMA", "UNORA", "UPEDRO", "UJOE")
TEXTS = ("no puedo conectarme a la vpn", "my laptop does not turn on", "outlook no sincroniza",
         "the printer is jammed", "olvidé mi contraseña")


def _env(api: SlackStandIn, url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DESKBOT_"))}
    env.update({"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SECRET,
                "DESKBOT_SLACK_API_URL": api.url, "DESKBOT_DATABASE_URL": url,
                "DESKBOT_SMTP_HOST": "off", "PYTHONUNBUFFERED": "1"})
    return env


def _api() -> SlackStandIn:
    return SlackStandIn({u: slack_user(u, f"Person {u[1:].title()}", email=f"{u.lower()}@x.org")
                         for u in USERS}).start()


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    """On SQLite (PostgreSQL: the two-process test below, and ``python -m bench.inbox``)."""
    api = _api()
    with database("sqlite", tmp_path) as url:
        running = Desk(api, _env(api, url), tmp_path / "run.log")
        try:
            running.cli("db", "upgrade")
            yield running
        finally:
            running.stop()
            api.stop()


def _burst(desk: Desk, count: int) -> list[dict[str, Any]]:
    """``count`` DMs sent at once; returns the acknowledged ones."""
    events = [desk.message(USERS[n % len(USERS)], f"{TEXTS[n % len(TEXTS)]} ({n})")
              for n in range(count)]
    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(lambda e: desk.event(e).status, events))
    return [e for e, status in zip(events, answers, strict=True) if status == 200]


def _answered_once(desk: Desk, events: list[dict[str, Any]]) -> None:
    def all_answered() -> bool:
        return all(desk.posts(e["channel"], e["ts"]) for e in events)

    desk.api.wait_for(all_answered, timeout=90, what="every acknowledged DM answered")
    _idle(desk)
    assert doubled(desk.api) == []


def doubled(api: SlackStandIn) -> list[str]:
    """Messages Slack holds twice: each post carries its outbox key (or, for a post made by a
    listener itself, its ``<inbox key>#<n>`` mark), so a repeated post shows as a repeated key."""
    marks: Counter[str] = Counter()
    for messages in api.messages.values():
        for message in messages:
            payload = (message.get("metadata") or {}).get("event_payload") or {}
            mark = payload.get("key") or payload.get("mark")
            if mark:
                marks[str(mark)] += 1
    return [mark for mark, n in marks.items() if n > 1]


def _idle(desk: Desk) -> None:
    """Wait until the inbox has nothing waiting (so a late duplicate would have shown)."""
    services = build_services(database_url=desk.env["DESKBOT_DATABASE_URL"])
    try:
        deadline = time.monotonic() + 60
        while stats(services).waiting:
            assert time.monotonic() < deadline, "the inbox never emptied"
            time.sleep(0.2)
    finally:
        services.close()


def _health(desk: Desk, probe: str = "healthz") -> int:
    try:
        with urllib.request.urlopen(f"{desk.url}/{probe}", timeout=5) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def test_sigkill_then_sigterm_after_the_acknowledgements_lose_nothing(desk: Desk) -> None:
    _start_with(desk, "--grace-seconds", "1", "--drain-seconds", "10")
    killed = _burst(desk, 10)
    assert len(killed) == 10
    assert desk.process is not None
    desk.process.kill()  # acknowledged, maybe half-worked: a crash
    desk.process.wait(timeout=10)
    _start_with(desk, "--grace-seconds", "1", "--drain-seconds", "10")
    stopped = _burst(desk, 10)
    desk.process.send_signal(signal.SIGTERM)  # a deploy
    statuses = []
    while desk.process.poll() is None:
        statuses.append(_health(desk))
        time.sleep(0.05)
    assert 503 in statuses  # a load balancer was told first
    assert desk.process.returncode in (0, -signal.SIGTERM)
    assert "drained" in desk.stderr() and "Traceback" not in desk.stderr()
    desk.start()
    _answered_once(desk, killed + stopped)


def _start_with(desk: Desk, *extra: str) -> None:
    """``deskbot run`` with extra options, on a free port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    desk.url = f"http://127.0.0.1:{port}"
    with desk.log.open("wb") as err:
        desk.process = subprocess.Popen(
            [str(DESKBOT), "run", "--host", "127.0.0.1", "--port", str(port), *extra],
            env=desk.env, stdout=subprocess.DEVNULL, stderr=err)
    deadline = time.monotonic() + 90
    while _health(desk, "readyz") != 200:
        assert desk.process.poll() is None, desk.stderr()
        assert time.monotonic() < deadline, "deskbot run never said it was ready"
        time.sleep(0.05)


@pytest.mark.postgres
def test_two_processes_starting_on_a_fresh_database_both_run(tmp_path: Path) -> None:
    api = _api()
    with database("postgres", tmp_path) as url:
        first = Desk(api, _env(api, url), tmp_path / "one.log")
        second = Desk(api, _env(api, url), tmp_path / "two.log")
        try:
            with ThreadPoolExecutor(max_workers=2) as pool:
                list(pool.map(lambda d: d.start(), (first, second)))
            acknowledged = _burst(first, 3) + _burst(second, 3)
            first.api.wait_for(lambda: all(first.posts(e["channel"], e["ts"])
                                           for e in acknowledged), timeout=60, what="answers")
        finally:
            first.stop()
            second.stop()
            api.stop()
    for desk in (first, second):
        assert "Traceback" not in desk.stderr(), desk.stderr()
