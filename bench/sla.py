"""How long one SLA sweep takes with 1,000, 10,000 and 100,000 open tickets, on SQLite and
PostgreSQL; and the query plans that show it stays an index range scan.

    python -m bench.sla [--sizes 1000,10000,100000] [--due 100] [--backends sqlite,postgres]

Tickets are bulk-inserted with Core inserts: open tickets whose next SLA check lies in the future
(most), ``--due`` of them due right now (half warnings, half breaches), a share already past
their breach and noticed (``sla_next_at`` NULL, as the sweep leaves them), plus pending and
resolved tickets outside the reminder windows. Two figures per size: a sweep that does the due
work (one transaction per ticket, with its events and outbox rows), and the next sweep with
nothing due, which is the fixed cost every minute. PostgreSQL runs in its own ``deskbot_bench``
database, created from ``postgresql+psycopg://postgres@127.0.0.1:5432/test``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from actions.services import Services
from actions.sweep import candidates, sweep
from bench.desk import fresh_desk
from store.models import Counter, Notice, Person, Ticket

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
PRIORITIES = ("P1", "P2", "P3", "P4")


def _services(backend: str, workdir: Path, size: int) -> Services:
    return fresh_desk(backend, "deskbot_bench" if backend != "sqlite" else f"bench-{size}", workdir)


def _rows(size: int, due: int, requester: int, tech: int,
          ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``size`` tickets and the notices they already had: ``due`` of them due now, the rest
    not due yet or already noticed, pending and resolved ones inside their reminder windows but
    already reminded (what a desk that has been running for a while looks like)."""
    tickets, notices = [], []
    for n in range(1, size + 1):
        created = NOW - timedelta(minutes=(n * 7) % 2880)
        status = ("open", "in_progress", "new")[n % 3]
        next_at: datetime | None = NOW + timedelta(minutes=1 + (n * 13) % 4320)
        paused = resolved = None
        if n <= due:
            created = NOW - timedelta(minutes=50 if n % 2 else 70)  # P2 warning / breach
            next_at = NOW - timedelta(seconds=n)
        elif n % 10 == 0:  # breached long ago and already noticed
            next_at = None
            notices += [{"ticket_id": n, "kind": k, "sent_at": created}
                        for k in ("sla_warning:response", "sla_breach:response")]
        elif n % 20 == 1:  # waiting on the requester for up to 4 days; reminded after 2
            status, paused, next_at = "pending", NOW - timedelta(hours=n % 96), None
            if paused <= NOW - timedelta(days=2):
                notices.append({"ticket_id": n, "sent_at": paused + timedelta(days=2),
                                "kind": f"pending_reminder:{int(paused.timestamp())}"})
        elif n % 20 == 3:  # resolved up to 2.5 days ago; survey reminder after 1 day
            status, resolved, next_at = "resolved", NOW - timedelta(hours=n % 60), None
            if resolved <= NOW - timedelta(days=1):
                notices.append({"ticket_id": n, "kind": "survey_reminder",
                                "sent_at": resolved + timedelta(days=1)})
        tickets.append({
            "id": n, "key": f"INC-{n}", "kind": "incident", "number": n, "title": f"Ticket {n}",
            "description": "bench", "category": "hardware", "impact": "medium",
            "urgency": "medium", "priority": "P2" if n <= due else PRIORITIES[n % 4],
            "status": status, "requester_id": requester, "assignee_id": tech if n % 2 else None,
            "team_code": "L1", "channel": "console", "language": "es", "created_at": created,
            "updated_at": created, "paused_seconds": 0, "version": 1,
            "response_due_at": created + timedelta(minutes=60),
            "resolution_due_at": created + timedelta(minutes=480),
            "paused_at": paused, "resolved_at": resolved, "sla_next_at": next_at,
        })
    return tickets, notices


def _fill(services: Services, size: int, due: int) -> int:
    """Bulk-insert the desk; returns how many notices it already had."""
    with services.engine.begin() as conn:
        requester = conn.execute(insert(Person).values(
            name="Bench Requester", role="requester", language="es", timezone="UTC", vip=False,
            active=True, created_at=NOW).returning(Person.id)).scalar_one()
        tech = conn.execute(insert(Person).values(
            name="Bench Tech", role="technician", team_code="L1", language="es",
            timezone="UTC", vip=False, active=True, created_at=NOW)
            .returning(Person.id)).scalar_one()
        tickets, notices = _rows(size, due, requester, tech)
        for table, rows in ((Ticket, tickets), (Notice, notices)):
            for start in range(0, len(rows), 5000):
                conn.execute(insert(table), rows[start:start + 5000])
        conn.execute(insert(Counter).values(name="INC", value=size))
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT setval('tickets_id_seq', {size})")
    with services.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    return len(notices)


def _plans(services: Services) -> dict[str, str]:
    """One line per job's candidate query: the index its plan reads, or SCAN when none."""
    dialect = services.engine.dialect
    out = {}
    with services.engine.connect() as conn:
        for name, query in candidates(services.settings, NOW, 500).items():
            compiled = query.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
            if dialect.name == "postgresql":
                lines = [r[0] for r in conn.exec_driver_sql(
                    f"EXPLAIN {compiled}", compiled.construct_params())]
            else:
                params = compiled.construct_params()
                values = tuple(_sqlite_value(params[k]) for k in compiled.positiontup or ())
                lines = [r[-1] for r in conn.exec_driver_sql(
                    f"EXPLAIN QUERY PLAN {compiled}", values)]
            out[name] = _summary(lines)
    return out


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    return value


def _summary(lines: list[str]) -> str:
    """The indexes a plan reads, and any table it scans whole (``scan notices``)."""
    import re

    plan = " | ".join(line.strip() for line in lines)
    indexes = re.findall(r"\b((?:ix|pk|uq)_\w+)", plan)
    scans = re.findall(r"(?:Seq Scan on|SCAN) (\w+)\b(?! USING)", plan)
    parts = list(dict.fromkeys(indexes)) + [f"scan {t}" for t in dict.fromkeys(scans)]
    return ", ".join(parts) or plan[:100]


def run(backend: str, size: int, due: int, workdir: Path) -> dict[str, Any]:
    services = _services(backend, workdir, size)
    try:
        started = time.perf_counter()
        history = _fill(services, size, due)
        fill = time.perf_counter() - started
        plans = _plans(services)
        started = time.perf_counter()
        busy = sweep(services, now=NOW)
        busy_s = time.perf_counter() - started
        idle = []
        for _ in range(5):
            started = time.perf_counter()
            assert sweep(services, now=NOW).actions == 0
            idle.append(time.perf_counter() - started)
        return {"backend": backend, "size": size, "fill_s": fill, "busy_ms": busy_s * 1000,
                "idle_ms": statistics.median(idle) * 1000, "actions": busy.actions,
                "history": history, "plans": plans}
    finally:
        services.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--due", type=int, default=100)
    parser.add_argument("--backends", default="sqlite,postgres")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends.split(","):
            for size in (int(s) for s in args.sizes.split(",")):
                results.append(run(backend, size, args.due, Path(tmp)))
                r = results[-1]
                print(f"  {backend:<8} {size:>7}: fill {r['fill_s']:.1f} s, "
                      f"sweep {r['busy_ms']:.0f} ms, idle {r['idle_ms']:.1f} ms", flush=True)
    print()
    print(f"SLA sweep, {args.due} tickets due per sweep (warnings + breaches with their events and"
          " outbox rows)")
    print(f"{'backend':<9} {'tickets':>8} {'notices':>8} {'sweep (due work)':>17}"
          f" {'per due ticket':>15} {'idle sweep':>11} {'actions':>8}")
    for r in results:
        print(f"{r['backend']:<9} {r['size']:>8,} {r['history']:>8,} {r['busy_ms']:>14.0f} ms"
              f" {r['busy_ms'] / max(args.due, 1):>12.2f} ms {r['idle_ms']:>8.1f} ms"
              f" {r['actions']:>8}")
    print()
    print("Query plans at the largest size (index read by each job's candidate query):")
    for backend in dict.fromkeys(r["backend"] for r in results):
        largest = max((r for r in results if r["backend"] == backend), key=lambda r: r["size"])
        for name, plan in largest["plans"].items():
            print(f"  {backend:<8} {name:<17} {plan}")


if __name__ == "__main__":
    main()
