"""How long the web pages take to render over a large desk: 100,000 tickets on PostgreSQL.

    python -m bench.web [--tickets 100000] [--runs 7] [--backend postgres|sqlite]

Writes about a year of history with ``deskbot seed --demo``'s generator (tickets, their events,
surveys, FAQ answers), serves the real web app on a loopback port, signs in as the lead with a
one-time link, and times whole HTTP requests (server-side rendering, queries and transfer) of the
overview, trends for 30 and 90 days, technicians and the ticket list: median and slowest of
``--runs``. Then the same without ``ix_tickets_created_at``, to show what that index buys.
Targets: overview < 0.5 s, trends < 2 s. PostgreSQL runs in its own ``deskbot_bench_web``
database on ``postgresql+psycopg://postgres@127.0.0.1:5432``.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import statistics
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import uvicorn
from sqlalchemy import func, select, text

from actions.demo import ensure_demo_people, seed_demo
from actions.people import NewPerson
from actions.services import Services
from actions.signin import issue_link
from bench.desk import fresh_desk
from bot.web.app import create_web_app
from bot.web.config import WebConfig
from store.models import Event, Ticket

DAYS = 365
PAGES = [("overview", "/overview"), ("live overview", "/live/overview"),
         ("trends 30 d", "/trends"), ("trends 90 d", "/trends?since={since90}"),
         ("technicians 30 d", "/technicians"), ("tickets list", "/tickets"),
         ("tickets text search", "/tickets?text=vpn")]


def _services(backend: str, workdir: Path) -> Services:
    return fresh_desk(backend, "deskbot_bench_web" if backend != "sqlite" else "bench-web", workdir)


def _fill(services: Services, tickets: int) -> dict[str, int]:
    lead = NewPerson(name="Marta Ruiz", role="lead", team="L1",
                     addresses={"email": "marta@example.com"})
    extra = (lead, NewPerson(name="Ana Torres", role="technician", team="L1",
                             addresses={"email": "ana@example.com"}),
             NewPerson(name="Luis Pérez", role="technician", team="L2",
                       addresses={"email": "luis@example.com"}),
             NewPerson(name="Sam Lee", role="technician", team="L3",
                       addresses={"email": "sam@example.com"}))
    ensure_demo_people(services.uow, extra)
    per_day = tickets / (DAYS * (5 + 2 * 0.2) / 7)  # weekends see a fifth of a weekday
    articles = tuple(a.id for a in services.matcher.articles)
    totals = seed_demo(services.uow(), services.settings, days=DAYS, per_day=per_day,
                       articles=articles)
    if services.engine.dialect.name == "postgresql":
        with services.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    return totals


class _Client:
    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def get(self, path: str) -> tuple[int, bytes]:
        with self.opener.open(self.base + path, timeout=120) as r:
            return r.status, r.read()

    def sign_in(self, token: str) -> None:
        _, page = self.get(f"/signin/link/{token}")
        csrf = re.search(rb'name="csrf" value="([^"]+)"', page)
        assert csrf is not None
        body = urllib.parse.urlencode({"csrf": csrf.group(1).decode(), "token": token}).encode()
        with self.opener.open(urllib.request.Request(self.base + "/signin/link", data=body),
                              timeout=60) as r:
            assert r.status == 200 and r.url.endswith("/"), "sign-in failed"


def _serve(services: Services) -> tuple[uvicorn.Server, str]:
    app = create_web_app(services, WebConfig(secret=b"bench", public_url="http://127.0.0.1"))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                                           lifespan="off"))
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    app.state.site.config = dataclasses.replace(app.state.site.config,
                                                public_url=f"http://127.0.0.1:{port}")
    return server, f"http://127.0.0.1:{port}"


def _time_pages(client: _Client, runs: int, since90: str) -> dict[str, tuple[float, float]]:
    out = {}
    for name, path in PAGES:
        path = path.format(since90=since90)
        client.get(path)  # warm: the first request compiles templates and plans
        took = []
        for _ in range(runs):
            start = time.perf_counter()
            status, _ = client.get(path)
            took.append(time.perf_counter() - start)
            assert status == 200, f"{path}: {status}"
        out[name] = (statistics.median(took), max(took))
    return out


def _print(title: str, figures: dict[str, tuple[float, float]]) -> None:
    print(f"\n{title}")
    print(f"  {'page':<22}{'median':>10}{'slowest':>10}")
    for name, (median, slowest) in figures.items():
        print(f"  {name:<22}{median * 1000:>8.0f}ms{slowest * 1000:>8.0f}ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--without-index", action="store_true", default=True,
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        services = _services(args.backend, Path(tmp))
        start = time.perf_counter()
        totals = _fill(services, args.tickets)
        with services.engine.connect() as conn:
            n_tickets = conn.scalar(select(func.count(Ticket.id)))
            n_events = conn.scalar(select(func.count(Event.id)))
            active = conn.scalar(select(func.count(Ticket.id)).where(
                Ticket.status.in_(("new", "open", "in_progress", "pending"))))
        print(f"{args.backend}: {n_tickets:,} tickets ({active:,} active), {n_events:,} events, "
              f"{totals['surveys']:,} survey answers, {totals['deflections']:,} FAQ answers over "
              f"{DAYS} days, written in {time.perf_counter() - start:.0f} s")
        server, url = _serve(services)
        try:
            client = _Client(url)
            token, _ = issue_link(services.uow(), person="Marta Ruiz")
            client.sign_in(token)
            since90 = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 90 * 86400))
            _print("with ix_tickets_created_at (as migrated)",
                   _time_pages(client, args.runs, since90))
            with services.engine.begin() as conn:
                conn.execute(text("DROP INDEX ix_tickets_created_at"))
                if args.backend == "postgres":
                    conn.execute(text("ANALYZE tickets"))
            _print("without ix_tickets_created_at", _time_pages(client, max(3, args.runs // 2),
                                                               since90))
        finally:
            server.should_exit = True
            services.close()
    print("\ntargets: overview < 500 ms, trends < 2000 ms")


if __name__ == "__main__":
    main()
