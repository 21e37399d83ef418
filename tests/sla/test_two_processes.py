"""Two scheduler processes sweep one PostgreSQL database 200 times each: no notice twice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from actions import work
from store.models import Event, OutboxMessage, Ticket
from tests.conftest import add_cast
from tests.sla.conftest import T0, open_with

ROOT = Path(__file__).resolve().parents[2]
SWEEPS, STEP_MINUTES = 200, 40  # 200 sweeps cover 5.5 days of desk time


@pytest.mark.postgres
def test_two_processes_never_send_a_notice_twice(pg_services, clock):
    services = pg_services
    cast = add_cast(services)
    running, waiting, resolved = [], [], []
    for i, priority in enumerate(["P1", "P2", "P3", "P4"] * 4):
        view = open_with(services, cast, priority)
        if i % 2:
            work.claim(services.uow(), key=view.key, actor_id=cast.ana.id)
        running.append(view.key)
    for _ in range(4):
        view = open_with(services, cast, "P3")
        work.set_pending(services.uow(), key=view.key, actor_id=cast.ana.id, question="¿Modelo?")
        waiting.append(view.key)
    for _ in range(4):
        view = open_with(services, cast, "P3")
        work.resolve(services.uow(), key=view.key, actor_id=cast.ana.id, summary="Listo")
        resolved.append(view.key)

    url = services.engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen(
        [sys.executable, "-m", "tests.sla.sweeper", url, T0.isoformat(), str(SWEEPS),
         str(STEP_MINUTES)], cwd=ROOT, env=env, text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    for proc in procs:
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    totals = []
    for proc in procs:
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err
        totals.append(json.loads(out.strip().splitlines()[-1]))

    with services.session_factory() as session:
        ids = dict(session.execute(select(Ticket.key, Ticket.id)).all())
        messages = session.scalars(select(OutboxMessage)).all()
        found = Counter((e.ticket_id, e.type, e.payload.get("target"))
                        for e in session.scalars(select(Event).where(Event.actor_id.is_(None))))
    once = {"sla_warning", "sla_breach", "pending_reminder", "survey_reminder", "resolved",
            "closed"}
    assert all(count == 1 for (_, type_, _), count in found.items() if type_ in once)
    for key in running:
        for target in ("response", "resolution"):
            assert found[(ids[key], "sla_breach", target)] == 1, key
            assert found[(ids[key], "sla_warning", target)] <= 1, key
        assert found[(ids[key], "escalated", None)] == 2, key  # L1 -> L2 -> L3, once each
    for key in waiting:
        assert found[(ids[key], "pending_reminder", None)] == 1
        assert found[(ids[key], "resolved", None)] == 1
    for key in resolved:
        assert found[(ids[key], "survey_reminder", None)] == 1
        assert found[(ids[key], "closed", None)] == 1

    # Every notice reached each recipient once: no two identical messages.
    copies = Counter((m.ticket_id, m.template, json.dumps(m.recipient, sort_keys=True),
                      json.dumps(m.context["event"]["payload"], sort_keys=True))
                     for m in messages)
    assert copies and max(copies.values()) == 1
    # The two processes shared the work, and together did each piece once.
    assert sum(t.get("breaches", 0) for t in totals) == len(running) * 2
