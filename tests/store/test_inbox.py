"""The inbox table on SQLite and PostgreSQL: stored once, leased, retried, dead-lettered, counted;
and what else makes several processes safe: migrations run once, short outbox leases, backups."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from actions import inbox
from actions.common import now
from actions.inbox import Job, RetryPolicy
from actions.outbox import claim, deliver_due
from store.inbox import InboxRepository
from store.models import InboxItem, Ticket
from tests.outbox.conftest import Recorder, open_one

FAST = RetryPolicy(base_seconds=1, cap_seconds=4, max_attempts=3, lease_seconds=15)


def _receive(services, key: str) -> bool:
    return inbox.receive(services, key=key, channel="slack", kind="event", body="{}",
                         headers={"content-type": "application/json"}) is not None


def test_a_delivery_is_stored_once_and_worked_once(services) -> None:
    assert _receive(services, "slack:Ev1") is True
    assert _receive(services, "slack:Ev1") is False  # Slack's retry: the key is taken
    [row] = inbox.take(services, owner="a", policy=FAST)
    assert inbox.take(services, owner="b", policy=FAST) == []  # leased to a
    assert inbox.finish(services, Job(row=row, policy=FAST)) == "done"
    assert inbox.take(services, owner="b", policy=FAST, now=now() + timedelta(hours=1)) == []
    assert inbox.stats(services).counts == {"done": 1}


def test_a_batch_stores_each_key_once_and_a_batch_of_repeats_commits_nothing(services) -> None:
    from sqlalchemy import event

    def delivery(key: str) -> inbox.Delivery:
        return inbox.Delivery(key=key, channel="slack", kind="event", body=f'{{"k": "{key}"}}')

    _receive(services, "slack:EvOld")
    rows = inbox.receive_many(services, [delivery("slack:EvB"), delivery("slack:EvOld"),
                                         delivery("slack:EvA"), delivery("slack:EvB")],
                              owner="me", policy=FAST)
    assert [r is not None for r in rows] == [True, False, True, False]  # first of each key
    assert (rows[0].key, rows[0].body, rows[0].status, rows[0].owner) == (
        "slack:EvB", '{"k": "slack:EvB"}', inbox.WORKING, "me")
    commits: list[object] = []
    count = commits.append
    event.listen(services.engine, "commit", count)
    assert inbox.receive_many(services, [delivery("slack:EvA"), delivery("slack:EvOld")]) \
        == [None, None]
    event.remove(services.engine, "commit", count)
    assert commits == []
    taken = {r.key for r in inbox.take(services, owner="b", limit=10, policy=FAST)}
    assert taken == {"slack:EvOld"}  # the others are leased to "me" already
    assert inbox.stats(services).counts == {"working": 3}


def test_a_lapsed_lease_passes_the_row_on_and_the_old_claim_cannot_finish(services) -> None:
    _receive(services, "slack:Ev2")
    [first] = inbox.take(services, owner="a", policy=FAST)
    [second] = inbox.take(services, owner="b", policy=FAST, now=now() + timedelta(seconds=16))
    assert (second.id, second.attempts) == (first.id, 2)
    assert inbox.finish(services, Job(row=first, policy=FAST)) == "lost"
    assert inbox.finish(services, Job(row=second, policy=FAST)) == "done"


def test_failures_back_off_then_dead_letter_and_an_admin_requeues(services) -> None:
    _receive(services, "slack:Ev3")
    at = now()
    for attempt in (1, 2):
        [row] = inbox.take(services, owner="a", policy=FAST, now=at)
        assert row.attempts == attempt
        assert inbox.finish(services, Job(row=row, policy=FAST),
                            ConnectionError("database away"), now=at) == "pending"
        assert inbox.take(services, owner="a", policy=FAST, now=at) == []  # backing off
        at += timedelta(seconds=10)
    [row] = inbox.take(services, owner="a", policy=FAST, now=at)
    assert inbox.finish(services, Job(row=row, policy=FAST), ConnectionError("still")) == "failed"
    [failed] = inbox.list_rows(services, statuses=["failed"])
    assert "gave up after 3 attempts" in (failed.last_error or "")
    assert inbox.retry(services, failed.id)
    assert [r.attempts for r in inbox.take(services, owner="a", policy=FAST)] == [1]


def test_lag_is_the_age_of_the_oldest_waiting_row(services) -> None:
    _receive(services, "slack:Ev4")
    assert inbox.stats(services, now=now() + timedelta(seconds=45)).lag_seconds >= 44
    [row] = inbox.take(services, owner="a")
    inbox.finish(services, Job(row=row))
    assert inbox.stats(services).lag_seconds == 0 and inbox.stats(services).waiting == 0


@pytest.mark.postgres
def test_workers_of_two_processes_skip_each_others_rows(pg_services) -> None:
    services = pg_services
    for n in range(2):
        _receive(services, f"slack:Skip{n}")
    with services.session_factory() as holder, holder.begin():
        held = InboxRepository(holder).take_due(now=now(), lease=timedelta(seconds=15),
                                                owner="a", limit=1)
        # While the first transaction still holds its row, another takes the other one at once.
        taken = inbox.take(services, owner="b", limit=2)
        assert [r.id for r in taken] != [r.id for r in held] and len(taken) == 1


def _drop_connections(services) -> None:
    """What a database restart does to the pool: every connection it holds is gone."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    with services.engine.connect() as a, services.engine.connect() as b:  # a pool of several
        a.execute(text("SELECT 1")), b.execute(text("SELECT 1"))
    admin = create_engine(services.engine.url, poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    admin.dispose()


@pytest.mark.postgres
def test_after_a_database_restart_only_the_first_batch_is_refused(pg_services) -> None:
    services = pg_services

    def delivery(key: str) -> inbox.Delivery:
        return inbox.Delivery(key=key, channel="slack", kind="event", body="{}",
                              headers={"x-slack-retry-num": "1"})

    assert inbox.receive_many(services, [delivery("slack:EvR1")], owner="me")[0] is not None
    _drop_connections(services)
    with pytest.raises(Exception, match="terminat"):
        inbox.receive_many(services, [delivery("slack:EvR2")], owner="me")
    [row] = inbox.receive_many(services, [delivery("slack:EvR2")], owner="me")
    assert row is not None and row.owner == "me"
    assert {r.key: r.headers for r in inbox.list_rows(services)} == {
        "slack:EvR1": {"x-slack-retry-num": "1"}, "slack:EvR2": {"x-slack-retry-num": "1"}}


@pytest.mark.postgres
def test_after_a_database_restart_delivered_marks_wait_one_round(pg_services) -> None:
    from datetime import UTC, datetime

    from actions.outbox import DeliveredMarks
    from store.models import OutboxMessage

    services = pg_services
    with services.session_factory() as session, session.begin():
        row = OutboxMessage(key="reply:R", channel="slack", recipient={"type": "reply"},
                            template="reply", language="es", context={}, status="sending",
                            attempts=1)
        session.add(row)
        session.flush()
        row_id = row.id
    marks = DeliveredMarks(services)
    _drop_connections(services)
    marks._pending.append((row_id, 1, datetime.now(UTC)))
    assert [marks.flush(), marks.flush()] == [-1, 1]  # kept, then written on a fresh connection
    with services.session_factory() as session:
        assert session.get(OutboxMessage, row_id).status == "delivered"


@pytest.mark.postgres
def test_two_processes_migrating_a_fresh_database_at_once_both_succeed() -> None:
    from store.db import make_engine
    from store.migrate import current_revision, upgrade
    from tests.conftest import fresh_postgres_database

    with fresh_postgres_database("deskbot_migrate_race") as url:
        errors: list[BaseException] = []
        start = threading.Barrier(2)

        def migrate() -> None:
            engine = make_engine(url)
            try:
                start.wait()
                upgrade(engine)
            except BaseException as exc:  # noqa: BLE001 - collected for the assertion
                errors.append(exc)
            finally:
                engine.dispose()

        threads = [threading.Thread(target=migrate) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert errors == []
        engine = make_engine(url)
        assert current_revision(engine) == _head(url)
        engine.dispose()


def test_a_killed_senders_rows_are_sent_again_within_half_a_minute(services, cast,
                                                                  settings) -> None:
    open_one(services, cast, settings)
    at = now()
    assert claim(services, ["slack"], limit=10, now=at)  # then the process was SIGKILLed
    recorder = Recorder()
    assert deliver_due(services, {"slack": recorder}, now=at + timedelta(seconds=31)).delivered
    assert len(recorder.items) == 1


def _deskbot(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    import os

    env = {**os.environ, "DESKBOT_DATABASE_URL": url}
    return subprocess.run([str(Path(sys.executable).with_name("deskbot")), *args], env=env,
                          capture_output=True, text=True, timeout=120)


def _tickets(url: str) -> list[str]:
    from store.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.scalars(select(Ticket.key).order_by(Ticket.key)))
    finally:
        engine.dispose()


def test_sqlite_backup_while_the_desk_writes_and_restore(sqlite_services, cast, settings,
                                                        tmp_path: Path) -> None:
    services = sqlite_services
    url = services.engine.url.render_as_string(hide_password=False)
    keys = [open_one(services, cast, settings) for _ in range(3)]
    # The desk still has its connection open: recent pages live in the write-ahead log only.
    with services.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        backup = tmp_path / "desk-backup.db"
        done = _deskbot("db", "backup", str(backup), url=url)
        assert done.returncode == 0, done.stderr
    assert _tickets(f"sqlite:///{backup}") == sorted(keys)
    open_one(services, cast, settings)  # a fourth, after the backup
    services.engine.dispose()
    done = _deskbot("db", "restore", str(backup), url=url)
    assert done.returncode == 0, done.stderr
    assert _tickets(url) == sorted(keys)
    refused = _deskbot("db", "restore", str(tmp_path / "nothing.db"), url=url)
    assert refused.returncode == 1 and "no backup" in refused.stderr


@pytest.mark.postgres
def test_postgres_backup_and_restore_round_trip(pg_services, settings, tmp_path: Path) -> None:
    from tests.conftest import add_cast

    services = pg_services
    url = services.engine.url.render_as_string(hide_password=False)
    cast = add_cast(services)
    keys = [open_one(services, cast, settings) for _ in range(2)]
    backup = tmp_path / "desk.dump"
    done = _deskbot("db", "backup", str(backup), url=url)
    assert done.returncode == 0, done.stderr
    open_one(services, cast, settings)
    services.engine.dispose()
    done = _deskbot("db", "restore", str(backup), url=url)
    assert done.returncode == 0, done.stderr
    assert _tickets(url) == sorted(keys)
    with services.session_factory() as session:
        assert session.scalar(select(InboxItem.id).limit(1)) is None


def test_a_one_commit_turn_marks_its_row_done_in_that_commit(services, cast, settings) -> None:
    """The turn run for an inbox row marks the row done in the turn's own commit; a turn that
    fails leaves it to be tried again, with nothing of it committed."""
    from actions.inbox import current_job

    _receive(services, "slack:EvTurn")
    [row] = inbox.take(services, owner="a")
    job = Job(row=row, done_in_commit=True)
    token = current_job.set(job)
    try:
        with pytest.raises(RuntimeError), services.turn():
            open_one(services, cast, settings)
            raise RuntimeError("the turn failed half-way")  # rolled back: nothing marked
        assert not job.marked and inbox.list_rows(services)[0].status == "working"
        with services.turn() as turn:  # the turn: its use cases join it, one commit
            open_one(services, cast, settings)
            turn.commit()
    finally:
        current_job.reset(token)
    assert job.marked
    assert inbox.list_rows(services)[0].status == "done"
    assert inbox.finish(services, job) == "done"


def _head(url: str) -> str | None:
    """The newest revision the code ships (what a fresh database migrates to)."""
    from alembic.script import ScriptDirectory

    from store.migrate import alembic_config

    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()
