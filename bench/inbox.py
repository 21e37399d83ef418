"""Inbox benchmark: ``python -m bench.inbox [--only sigkill,sigterm,outage,slack] [--db ...]``.

``deskbot run`` as a real process against the Web API stand-in (tests/slack/stand_in.py), spoken
to as Slack speaks (signed DMs, each a new thread). Scenarios, each on a fresh database:

* ``sigkill`` / ``sigterm``: 100 DMs offered at 100/s; after 80 acknowledgements the process is
  killed (SIGKILL) or stopped (SIGTERM, a deploy), then started again on the same database.
* ``outage`` (PostgreSQL only: a throwaway cluster started with ``pg_ctl``): DMs at 5/s for 40 s;
  the cluster is stopped (``-m immediate``) for 20 s in the middle. The sender behaves as Slack:
  an unacknowledged DM is delivered again (same ``event_id``, ``X-Slack-Retry-Num``) every 5 s.
* ``slack``: DMs at 5/s for 30 s; the Web API answers ``chat.postMessage`` with 429 for 7.5 s
  and then 500 for 7.5 s.

Prints per scenario: DMs acknowledged, answered, lost (acknowledged, never answered), answered
twice (a post of a turn repeated), seconds until the last answer, what /readyz said, tracebacks
in the log. Exit status 1 when something acknowledged was lost or doubled.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.slack.stand_in import SlackStandIn, slack_user
from tests.slack.test_blackbox import SECRET, Desk
from tests.slack.test_lifecycle import doubled

USERS = tuple(f"UB{n:03d}" for n in range(20))
TEXTS = ("no puedo conectarme a la vpn desde casa", "my laptop does not turn on",
         "outlook no sincroniza el correo", "the printer on floor 2 is jammed",
         "olvidé mi contraseña de windows", "how do I reset my MFA")
PG_BIN = Path("/usr/lib/postgresql")


@dataclass
class Result:
    scenario: str
    database: str
    offered: int = 0
    acknowledged: list[dict[str, Any]] = field(default_factory=list)
    answered: int = 0
    doubled: int = 0
    last_answer_s: float = 0.0
    not_ready_s: float = 0.0
    tracebacks: int = 0
    notes: str = ""

    @property
    def lost(self) -> int:
        return len(self.acknowledged) - self.answered

    def line(self) -> str:
        return (f"{self.scenario:8} {self.database:8} offered {self.offered:4}  acknowledged "
                f"{len(self.acknowledged):4}  answered {self.answered:4}  lost {self.lost:3}  "
                f"twice {self.doubled:3}  last answer {self.last_answer_s:6.1f} s  "
                f"/readyz 503 for {self.not_ready_s:5.1f} s  tracebacks {self.tracebacks}"
                + (f"  ({self.notes})" if self.notes else ""))


# --- a throwaway PostgreSQL cluster ------------------------------------------------------

class Cluster:
    """``initdb`` + ``pg_ctl`` in a temporary directory on a free port (as ``postgres`` when
    run by root, which PostgreSQL refuses)."""

    def __init__(self, port: int = 55439) -> None:
        versions = sorted(PG_BIN.iterdir(), key=lambda p: int(p.name)) if PG_BIN.exists() else []
        if not versions:
            raise RuntimeError("PostgreSQL server binaries not found under /usr/lib/postgresql")
        self.bin = versions[-1] / "bin"
        self.dir = Path(tempfile.mkdtemp(prefix="bench-pg-"))
        self.port = port
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self._as_postgres(str(self.bin / "initdb"), "-D", str(self.dir / "data"), "-A", "trust",
                          "-U", "postgres")

    def _as_postgres(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=True, capture_output=True)

    def start(self) -> None:
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-w", "-l",
                          str(self.dir / "log"), "-o",
                          f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1", "start")

    def stop(self) -> None:
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-w", "-m",
                          "immediate", "stop")

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create(self, database: str) -> str:
        self._as_postgres("psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                          "-c", f"CREATE DATABASE {database}")
        return self.url(database)

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


# --- the desk under test -----------------------------------------------------------------

@contextlib.contextmanager
def running_desk(url: str, workdir: Path) -> Iterator[Desk]:
    api = SlackStandIn({u: slack_user(u, f"Person {u}", email=f"{u.lower()}@example.com")
                        for u in USERS}).start()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DESKBOT_"))}
    env.update({"SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": SECRET,
                "DESKBOT_SLACK_API_URL": api.url, "DESKBOT_DATABASE_URL": url,
                "DESKBOT_SMTP_HOST": "off", "PYTHONUNBUFFERED": "1"})
    desk = Desk(api, env, workdir / "run.log")
    try:
        desk.cli("db", "upgrade")
        desk.start()
        yield desk
    finally:
        desk.stop()
        api.stop()


def _readyz(desk: Desk) -> int:
    try:
        with urllib.request.urlopen(f"{desk.url}/readyz", timeout=2) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def _send(desk: Desk, event: dict[str, Any], event_id: str, retry: int | None = None) -> bool:
    try:
        return desk.event(event, event_id=event_id, retry=retry).status == 200
    except OSError:
        return False  # the process is down: not acknowledged


def _offer(desk: Desk, count: int, rate: float, *, redeliver: bool = False,
           on_ack: Any = None) -> tuple[list[dict[str, Any]], int]:
    """Offer ``count`` DMs at ``rate`` per second (one thread each); returns the acknowledged
    events. ``redeliver``: an unacknowledged DM is sent again every 5 s, up to 6 times."""
    acknowledged: list[dict[str, Any]] = []
    lock = threading.Lock()

    def one(n: int) -> None:
        user = USERS[n % len(USERS)]
        event = desk.message(user, f"{TEXTS[n % len(TEXTS)]} #{n}")
        event_id = f"EvBENCH{n:05d}{int(time.time() * 1000) % 100000:05d}"
        for attempt in range(7 if redeliver else 1):
            if _send(desk, event, event_id, retry=attempt or None):
                with lock:
                    acknowledged.append(event)
                    if on_ack is not None:
                        on_ack(len(acknowledged))
                return
            time.sleep(5)

    threads = []
    start = time.monotonic()
    for n in range(count):
        delay = start + n / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        thread = threading.Thread(target=one, args=(n,), daemon=True)
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join(timeout=120)
    return acknowledged, count


def _settle(desk: Desk, result: Result, since: float, timeout: float = 180) -> None:
    """Wait for every acknowledged DM's answer, then count what was answered and doubled."""
    events = result.acknowledged

    def answered() -> int:
        return sum(1 for e in events if desk.posts(e["channel"], e["ts"]))

    deadline = time.monotonic() + timeout
    while answered() < len(events) and time.monotonic() < deadline:
        time.sleep(0.5)
    last = [c.at for c in desk.api.calls_to("chat.postMessage")]
    result.last_answer_s = (max(last) - since) if last else 0.0
    time.sleep(3)  # anything still retrying would post now
    result.answered = answered()
    result.doubled = len(doubled(desk.api))
    result.tracebacks = desk.stderr().count("Traceback")


# --- scenarios ---------------------------------------------------------------------------

def crash(url: str, kind: str, how: str, workdir: Path) -> Result:
    result = Result(how, kind)
    with running_desk(url, workdir) as desk:
        stopped = threading.Event()
        signalled = [0.0]

        def on_ack(n: int) -> None:
            if n >= 80 and not stopped.is_set() and desk.process is not None:
                stopped.set()
                signalled[0] = time.monotonic()
                desk.process.send_signal(signal.SIGKILL if how == "sigkill" else signal.SIGTERM)

        start = time.monotonic()
        result.acknowledged, result.offered = _offer(desk, 100, 100.0, on_ack=on_ack)
        assert desk.process is not None
        desk.process.wait(timeout=60)
        result.notes = (f"exited {time.monotonic() - signalled[0]:.1f} s after the signal "
                        f"(or sooner), status {desk.process.returncode}")
        log = desk.stderr()
        desk.start()
        _settle(desk, result, start)
        result.tracebacks += log.count("Traceback")
    return result


def slack_window(url: str, kind: str, workdir: Path) -> Result:
    result = Result("slack", kind)
    with running_desk(url, workdir) as desk:
        def window() -> None:
            time.sleep(5)
            desk.api.fail("chat.postMessage", status=429, retry_after=1, times=10**6)
            time.sleep(7.5)
            with desk.api._lock:
                desk.api.failures["chat.postMessage"] = []
            desk.api.fail("chat.postMessage", status=500, times=10**6)
            time.sleep(7.5)
            with desk.api._lock:
                desk.api.failures["chat.postMessage"] = []

        threading.Thread(target=window, daemon=True).start()
        start = time.monotonic()
        result.acknowledged, result.offered = _offer(desk, 150, 5.0)
        _settle(desk, result, start)
        result.notes = f"{len(desk.api.calls_to('chat.postEphemeral'))} apologies"
    return result


def outage(cluster: Cluster, workdir: Path) -> Result:
    result = Result("outage", "postgres")
    url = cluster.create("bench_outage")
    with running_desk(url, workdir) as desk:
        samples: list[tuple[float, int]] = []
        done = threading.Event()

        def probe() -> None:
            while not done.is_set():
                samples.append((time.monotonic(), _readyz(desk)))
                time.sleep(0.5)

        def down() -> None:
            time.sleep(10)
            cluster.stop()
            time.sleep(20)
            cluster.start()

        threading.Thread(target=probe, daemon=True).start()
        threading.Thread(target=down, daemon=True).start()
        start = time.monotonic()
        result.acknowledged, result.offered = _offer(desk, 200, 5.0, redeliver=True)
        _settle(desk, result, start)
        done.set()
        result.not_ready_s = 0.5 * sum(1 for _, status in samples if status != 200)
        warnings = sum(1 for line in desk.stderr().splitlines() if " WARNING " in line)
        result.notes = f"{warnings} warning lines in the log"
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="sigkill,sigterm,outage,slack")
    parser.add_argument("--db", default="sqlite,postgres")
    args = parser.parse_args()
    scenarios, databases = args.only.split(","), args.db.split(",")
    results: list[Result] = []
    cluster = Cluster() if "postgres" in databases else None
    try:
        if cluster is not None:
            cluster.start()
        for n, (scenario, kind) in enumerate((s, d) for s in scenarios for d in databases):
            if scenario == "outage" and kind != "postgres":
                continue
            workdir = Path(tempfile.mkdtemp(prefix="bench-inbox-"))
            url = (f"sqlite:///{workdir / 'desk.db'}" if kind == "sqlite" else
                   cluster.create(f"bench_{n}") if cluster else "")
            if scenario in ("sigkill", "sigterm"):
                result = crash(url, kind, scenario, workdir)
            elif scenario == "slack":
                result = slack_window(url, kind, workdir)
            else:
                assert cluster is not None
                result = outage(cluster, workdir)
            print(result.line(), flush=True)
            results.append(result)
    finally:
        if cluster is not None:
            cluster.remove()
    return 1 if any(r.lost or r.doubled for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
