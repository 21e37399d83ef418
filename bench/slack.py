"""Slack channel benchmark: ``python -m bench.slack [--events 400] [--rate 200] [--postgres]``.

The real app as its own process (``deskbot run`` over HTTP on a loopback port, through
``bench.slack_app``, which only adds a commit counter; ``--processes N``: that many processes
serving the port), its Web API client pointed at the local stand-in (tests/slack/stand_in.py)
that runs in this process with the load generator, a fresh migrated desk (a SQLite file, or with
``--postgres`` a fresh database on the local server, or any empty ``--database-url``). Correctly
signed ``message.im`` events are offered at ``--rate`` per second (open loop: a slow answer does
not slow the offer down); a share of them is delivered again with the same ``event_id`` and
``X-Slack-Retry-Num: 1``, as Slack does when it thinks an event was lost.

Prints: acknowledgement latency p50/p99 (HTTP response to each delivery), event-to-reply p50/p99
(first delivery sent -> the stand-in receives the ``chat.postMessage`` in that thread), sustained
events per second (distinct events answered / wall time), the app's CPU time per DM turn (user +
system of all its processes, re-sent deliveries included: the figure a busy machine disturbs
least), database commits per DM turn (every COMMIT the app's processes issued while the events
were worked, re-sent deliveries and timers included, divided by the distinct events), duplicate
replies and lost events.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import hmac
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import create_engine, text

from actions.people import NewPerson, add_person
from actions.services import build_services
from actions.settings import load_settings
from tests.slack.stand_in import SlackStandIn, slack_user

ROOT = Path(__file__).resolve().parent.parent

SECRET = "bench-signing-secret"
TEXTS = [
    "no puedo conectarme a la vpn desde casa", "my laptop does not turn on",
    "olvidé mi contraseña de windows", "outlook no sincroniza el correo",
    "the printer on floor 2 is jammed", "necesito instalar visual studio code",
    "hola", "gracias", "el wifi de la sala de juntas se cae", "how do I reset my MFA",
]


def sign(body: str, timestamp: str) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(SECRET.encode(), base, hashlib.sha256).hexdigest()


def post(url: str, body: str, retry: int | None = None) -> float:
    """Send one signed delivery; returns the acknowledgement latency in seconds."""
    ts = str(int(time.time()))
    headers = {"Content-Type": "application/json", "X-Slack-Request-Timestamp": ts,
               "X-Slack-Signature": sign(body, ts)}
    if retry:
        headers.update({"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"})
    start = time.perf_counter()
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=30) as answer:
        answer.read()
        if answer.status != 200:
            raise RuntimeError(f"HTTP {answer.status}")
    return time.perf_counter() - start


def envelope(n: int, user: str) -> tuple[str, str]:
    ts = f"1800000000.{n:06d}"
    event = {"type": "message", "channel": f"D{user}", "channel_type": "im", "user": user,
             "text": TEXTS[n % len(TEXTS)], "ts": ts, "event_ts": ts}
    body = json.dumps({"type": "event_callback", "team_id": "T0DESK", "api_app_id": "A0DESK",
                       "event_id": f"EvB{n:08d}", "event_time": int(time.time()),
                       "event": event})
    return ts, body


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.slack", description=__doc__)
    parser.add_argument("--events", type=int, default=400)
    parser.add_argument("--rate", type=float, default=200.0,
                        help="events offered per second (default 200)")
    parser.add_argument("--senders", type=int, default=64,
                        help="most deliveries in flight at once (default 64)")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--retries", type=float, default=0.2,
                        help="share of events delivered a second time (default 0.2)")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--inbox-threads", type=int, default=None,
                        help="inbox workers (deskbot run --inbox-threads; default: its own)")
    parser.add_argument("--processes", type=int, default=1,
                        help="processes serving the port (deskbot run --processes; default 1)")
    parser.add_argument("--api-latency", type=float, default=0.0, metavar="SECONDS",
                        help="the stand-in answers chat.postMessage this much later (Slack's "
                             "own servers take 50-300 ms; default 0)")
    parser.add_argument("--database-url", default=None,
                        help="an empty database to use instead of a fresh SQLite file")
    parser.add_argument("--postgres", nargs="?", const=PG_SERVER, default=None, metavar="SERVER",
                        help="a fresh database on this PostgreSQL server "
                             f"(default {PG_SERVER}), dropped afterwards")
    args = parser.parse_args(argv)
    if args.postgres:
        with fresh_postgres(args.postgres) as url:
            return run(args, url)
    return run(args, args.database_url)


PG_SERVER = os.environ.get("DESKBOT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")


@contextlib.contextmanager
def fresh_postgres(server: str) -> Any:
    """An empty database on ``server`` for one run, dropped afterwards."""
    name = f"deskbot_bench_{os.getpid()}"
    admin = create_engine(f"{server}/test", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{server}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def bench_config(workdir: Path) -> Path:
    """The project's config.yml with a triage channel per team (so a routed ticket has a card
    to post), its knowledge-base folder made absolute, written into ``workdir``."""
    source = load_settings(env={}).config_path
    raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    for code, team in (raw.get("teams") or {}).items():
        team["slack_channel"] = f"C{code}"
    faq = raw.setdefault("faq", {})
    faq["articles_dir"] = str((source.parent / (faq.get("articles_dir") or "kb/articles"))
                              .resolve())
    target = workdir / "config.yml"
    target.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class AppProcess:
    """``deskbot run`` as its own process (``bench.slack_app``: the same entry point plus a
    commit counter), on a free loopback port, its Web API pointed at the stand-in; with
    ``processes`` above 1, that many processes serving the port (``--processes``)."""

    def __init__(self, env: dict[str, str], log: Path, threads: int | None,
                 processes: int = 1) -> None:
        self.env, self.log, self.threads, self.processes = env, log, threads, processes
        self.url = ""
        self.process: subprocess.Popen[bytes] | None = None
        self.counts_dir = Path(tempfile.mkdtemp(prefix="bench-counts-"))

    def start(self, timeout: float = 120.0) -> AppProcess:
        for _ in range(3):  # another port if that one was taken meanwhile
            port = free_port()
            self.url = f"http://127.0.0.1:{port}"
            env = dict(self.env, BENCH_COUNTS_DIR=str(self.counts_dir))
            with self.log.open("ab") as err:
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "bench.slack_app", "run", "--host", "127.0.0.1",
                     "--port", str(port)]
                    + (["--inbox-threads", str(self.threads)] if self.threads else [])
                    + (["--processes", str(self.processes)] if self.processes > 1 else []),
                    env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                    cwd=ROOT)
            deadline = time.monotonic() + timeout
            while self.process.poll() is None and time.monotonic() < deadline:
                with contextlib.suppress(OSError), \
                        urllib.request.urlopen(f"{self.url}/readyz", timeout=5) as answer:
                    if answer.status == 200 and self._all_serving():
                        return self
                time.sleep(0.05)
            text_log = self.log.read_text(encoding="utf-8", errors="replace")
            if self.process.poll() is not None and "address already in use" in text_log.lower():
                continue
            self.stop()
            raise RuntimeError(f"deskbot run did not become ready:\n{text_log[-3000:]}")
        raise RuntimeError("deskbot run found no free port")

    def _all_serving(self) -> bool:
        """Every secondary process says it serves the port (the primary answered /readyz)."""
        if self.processes <= 1:
            return True
        text_log = self.log.read_text(encoding="utf-8", errors="replace")
        return text_log.count(" serving the same port") >= self.processes - 1

    def pids(self) -> list[int]:
        """The desk's processes: the one started here and every process it started."""
        assert self.process is not None
        found, todo = [], [self.process.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            for task in Path(f"/proc/{pid}/task").glob("*/children"):
                with contextlib.suppress(OSError):
                    todo += [int(child) for child in task.read_text().split()]
        return found

    def counts(self, timeout: float = 10.0) -> tuple[int, int]:
        """(commits, transactions begun) by all the desk's processes so far: each writes its
        counts every 100 ms, so wait for a count from each live one taken after this call."""
        asked = time.monotonic()
        deadline = asked + timeout
        while True:
            commits = begun = 0
            stale = []
            for path in self.counts_dir.iterdir():
                if not path.name.isdigit():
                    continue
                with contextlib.suppress(OSError, ValueError):
                    done, started, when = path.read_text().split()
                    commits, begun = commits + int(done), begun + int(started)
                    if float(when) < asked and Path(f"/proc/{path.name}").exists():
                        stale.append(path.name)
            if not stale or time.monotonic() > deadline:
                return commits, begun
            time.sleep(0.02)

    def cpu_seconds(self) -> float | None:
        """CPU time the desk's processes used so far (Linux's /proc; None elsewhere): each
        process's own, plus what its children that already ended used."""
        assert self.process is not None
        total = 0.0
        try:
            for pid in self.pids():
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += sum(int(f) for f in fields[11:15])
        except OSError:
            return None
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.counts_dir, ignore_errors=True)


class Replies:
    """The stand-in's ``chat.postMessage`` calls by thread, read once each.

    The watcher runs on every call the stand-in records; re-reading every call each time would
    cost the load generator's process more CPU than the answers it waits for, on the machine
    whose cores the desk under test needs."""

    def __init__(self, api: SlackStandIn) -> None:
        self.api = api
        self.seen = 0
        self.by_thread: dict[str, list[float]] = {}

    def _read(self) -> None:
        new = self.api.calls_since(self.seen)
        self.seen += len(new)
        for call in new:
            if call.method == "chat.postMessage" and call.body.get("thread_ts"):
                self.by_thread.setdefault(str(call.body["thread_ts"]), []).append(call.at)

    def answered_all(self, threads: Any) -> bool:
        self._read()
        return all(thread in self.by_thread for thread in threads)

    def times(self, thread: str) -> list[float]:
        self._read()
        return self.by_thread.get(thread, [])


def run(args: argparse.Namespace, database_url: str | None) -> int:
    rng = random.Random(7)

    workdir = Path(tempfile.mkdtemp(prefix="bench-slack-"))
    config = bench_config(workdir)
    database = database_url or f"sqlite:///{workdir / 'desk.db'}"
    settings = load_settings(config, env={})
    services = build_services(settings, database_url=database, migrate=True)
    users = [f"UB{n:04d}" for n in range(args.users)]
    for n, user in enumerate(users[: args.users // 2]):  # half known, half new (users.info)
        add_person(services.uow(), NewPerson(name=f"Known {n}", addresses={"slack": user}))
    dialect = services.engine.dialect.name
    services.close()
    api = SlackStandIn({u: slack_user(u, f"Person {u}", email=f"{u.lower()}@example.com")
                        for u in users}).start()
    if args.api_latency:
        api.slow("chat.postMessage", args.api_latency)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DESKBOT_"))}
    env.update({"SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": SECRET,
                "DESKBOT_SLACK_API_URL": api.url, "DESKBOT_DATABASE_URL": database,
                "DESKBOT_CONFIG": str(config), "DESKBOT_SMTP_HOST": "off",
                "PYTHONUNBUFFERED": "1"})
    app = AppProcess(env, workdir / "run.log", args.inbox_threads, args.processes)
    url = f"{app.start().url}/slack/events"

    replies = Replies(api)

    try:
        # Warm-up: the first turn of each kind fills the process's caches. Several processes
        # take whichever connection they accept first: a few DMs at once reach each of them.
        warm = [envelope(999_999 - n, users[n % len(users)])
                for n in range(1 if args.processes == 1 else 4 * args.processes)]
        with ThreadPoolExecutor(max_workers=len(warm)) as pool:
            list(pool.map(lambda pair: post(url, pair[1]), warm))
        api.wait_for(lambda: replies.answered_all(ts for ts, _ in warm), timeout=args.timeout,
                     what="warm-up replies")
        time.sleep(1.0)  # the warm-up's own outcome recorded before counting starts
        api.reset()
        replies = Replies(api)
        commits_before, begun_before = app.counts()
        cpu_before = app.cpu_seconds()

        sent: dict[str, float] = {}
        acks: list[float] = []
        lock = threading.Lock()
        duplicates_sent = 0

        def send(n: int) -> None:
            nonlocal duplicates_sent
            thread, body = envelope(n, users[n % len(users)])
            with lock:
                sent[thread] = time.monotonic()
            latency = post(url, body)
            extra = []
            if rng.random() < args.retries:
                extra.append(post(url, body, retry=1))
            with lock:
                acks.append(latency)
                acks.extend(extra)
                duplicates_sent += len(extra)

        start = time.monotonic()
        with ThreadPoolExecutor(max_workers=args.senders) as pool:
            for n in range(args.events):  # open loop: offer at the rate, whatever the answers
                delay = start + n / args.rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                pool.submit(send, n)
        offered = time.monotonic() - start
        with contextlib.suppress(AssertionError):  # a lost event is counted, not raised
            api.wait_for(lambda: replies.answered_all(sent), timeout=args.timeout,
                         what="every reply")
        time.sleep(0.5)  # let the last deliveries record their outcome before counting
        commits_after, begun_after = app.counts()
        cpu_after = app.cpu_seconds()
        cpu = (cpu_after - cpu_before) if cpu_after is not None and cpu_before is not None \
            else None
        turn_commits = commits_after - commits_before
        turn_transactions = begun_after - begun_before
        answered = {t: replies.times(t) for t in sent}
        done = [min(v) for v in answered.values() if v]
        elapsed = (max(done) - start) if done else float("nan")
        to_reply = [min(v) - sent[t] for t, v in answered.items() if v]
        lost = sum(1 for v in answered.values() if not v)
        duplicate_replies = sum(len(v) - 1 for v in answered.values() if len(v) > 1)
    finally:
        app.stop()
        api.stop()

    rows = [
        ("events sent (distinct)", f"{args.events}"),
        ("retried deliveries injected", f"{duplicates_sent}"),
        ("offered rate", f"{args.rate:.0f}/s ({args.events / offered:.0f}/s achieved)"),
        ("ack latency p50 / p99", f"{percentile(acks, .5) * 1000:.1f} / "
                                  f"{percentile(acks, .99) * 1000:.1f} ms"),
        ("ack latency max", f"{max(acks) * 1000:.1f} ms"),
        ("event-to-reply p50 / p99", f"{percentile(to_reply, .5) * 1000:.0f} / "
                                     f"{percentile(to_reply, .99) * 1000:.0f} ms"),
        ("sustained throughput", f"{len(done) / elapsed:.1f} events/s" if done else "-"),
        ("app CPU per DM turn", f"{cpu / args.events * 1000:.1f} ms" if cpu is not None
                                else "-"),
        ("commits per DM turn", f"{turn_commits / args.events:.2f}"),
        ("transactions per DM turn", f"{turn_transactions / args.events:.2f}"),
        ("duplicate replies", f"{duplicate_replies}"),
        ("lost events", f"{lost}"),
    ]
    width = max(len(name) for name, _ in rows)
    latency = f", posts answered after {args.api_latency * 1000:.0f} ms" if args.api_latency else ""
    desk = "one deskbot run process" if args.processes == 1 else \
        f"deskbot run --processes {args.processes}"
    print(f"Slack channel over HTTP: {desk} (stand-in Web API{latency}, {dialect})")
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")
    return 0 if lost == 0 and duplicate_replies == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
