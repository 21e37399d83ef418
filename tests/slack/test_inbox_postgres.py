"""What only PostgreSQL shows: text it cannot store, the database going away, races on inserts."""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text

from store.models import Conversation
from tests.conftest import PG_SERVER
from tests.slack.conftest import Harness

pytestmark = pytest.mark.postgres


def _thread_posts(slack: Harness, channel: str, thread_ts: str) -> list[dict[str, Any]]:
    return [m for m in slack.api.messages.get(channel, []) if m.get("thread_ts") == thread_ts]


def _dm(ts: str, text: str, thread_ts: str | None = None) -> dict[str, Any]:
    event = {"type": "message", "channel": "DUEMMA", "channel_type": "im", "user": "UEMMA",
             "text": text, "ts": ts, "event_ts": ts}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def test_a_dm_with_nul_is_answered_and_stored_without_it(slack_pg: Harness) -> None:
    ts = "1800000000.500001"
    assert slack_pg.event(_dm(ts, "my laptop\x00 does not turn on\ud800")).status == 200
    slack_pg.api.wait_for(lambda: _thread_posts(slack_pg, "DUEMMA", ts), what="the answer")
    with slack_pg.services.session_factory() as session:
        state = session.scalar(select(Conversation.state).where(
            Conversation.ref == f"DUEMMA:{ts}"))
    assert state is not None and "\x00" not in json.dumps(state)
    assert not slack_pg.api.calls_to("chat.postEphemeral")


@contextmanager
def outage(url: str) -> Iterator[None]:
    """The desk's database refuses connections and drops the ones it had, then comes back."""
    name = url.rsplit("/", 1)[1]
    admin = create_engine(f"{PG_SERVER}/test", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :name AND pid <> pg_backend_pid()"),
                         {"name": name})
        yield
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()


def _readyz(slack: Harness) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(f"{slack.url}/readyz", timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_database_outage_is_reported_and_nothing_acknowledged_is_lost(
        slack_pg: Harness, caplog: pytest.LogCaptureFixture) -> None:
    slack = slack_pg
    slack.api.wait_for(lambda: _readyz(slack)[0] == 200, timeout=60, what="ready")
    url = slack.services.engine.url.render_as_string(hide_password=False)
    ts = "1800000000.600001"
    event = _dm(ts, "outlook does not sync")
    caplog.set_level(logging.INFO)
    with outage(url):
        status, report = slack.api.wait_for(lambda: (r := _readyz(slack))[0] == 503 and r,
                                            what="not ready")
        assert any("database unreachable" in p for p in report["problems"])
        # Not stored, so not acknowledged: Slack will deliver it again.
        assert slack.event(event, event_id="EvOUTAGE").status == 503
        time.sleep(2)  # the outage lasts a moment: the workers keep trying meanwhile
    slack.api.wait_for(lambda: _readyz(slack)[0] == 200, timeout=30, what="ready again")
    assert slack.event(event, event_id="EvOUTAGE", retry=1).status == 200
    slack.api.wait_for(lambda: _thread_posts(slack, "DUEMMA", ts), what="the answer")
    assert len(_thread_posts(slack, "DUEMMA", ts)) == 1
    # One line per kind of failure, not a traceback per attempt.
    from_workers = [r for r in caplog.records if r.name == "bot.inbox"
                    and r.levelno >= logging.WARNING]
    assert len(from_workers) <= 4, [r.getMessage() for r in from_workers]
    assert not any(r.exc_info for r in caplog.records if r.name.startswith("bot."))


def test_two_first_messages_in_one_new_thread_are_both_answered(slack_pg: Harness) -> None:
    slack = slack_pg
    parent = "1800000000.700000"
    events = [_dm(f"1800000000.70000{n}", text, thread_ts=parent)
              for n, text in ((1, "my vpn does not connect"), (2, "and outlook is slow"))]
    threads = [threading.Thread(target=slack.event, args=(e,)) for e in events]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    slack.api.wait_for(lambda: len(_thread_posts(slack, "DUEMMA", parent)) >= 2,
                       timeout=30, what="both answered")
    assert not slack.api.calls_to("chat.postEphemeral")  # no apology
