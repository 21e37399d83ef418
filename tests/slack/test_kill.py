"""A process killed in the middle of a turn loses nothing and answers nothing twice.

``deskbot run`` as a real process, SIGKILLed at two moments of a DM turn, then started again on
the same database:

* between Slack's acknowledgement and the turn's commit (it is waiting on ``users.info`` for a
  person it has never seen): nothing was committed, not even the event id, so Slack's retry of
  the event is worked by the new process and answered once;
* after the commit, while the reply is being posted: the reply is an outbox row, so the new
  process's outbox worker posts it once its lease is over, once.
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.slack.stand_in import slack_user
from tests.slack.test_blackbox import PATIENCE, Desk, _running, database

#: The lease of a reply taken for delivery right after its commit: short, so the outbox of the
#: restarted process takes over a dead process's reply within the test.
LEASE = "2"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def desk(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Desk]:
    with database(request.param, tmp_path) as url:
        yield from _running(tmp_path, url, {"DESKBOT_OUTBOX_LEASE_SECONDS": LEASE},
                            technicians=())


def _kill_and_restart(desk: Desk, held: str) -> None:
    """SIGKILL the process while ``held`` hangs, let the hung call fail, start again."""
    assert desk.process is not None
    desk.process.send_signal(signal.SIGKILL)
    desk.process.wait(timeout=PATIENCE)
    desk.api.release(held)
    desk.start()


def _answers(desk: Desk, channel: str, thread: str) -> list[dict[str, object]]:
    """Replies that reached the thread (a held post killed with its process does not count)."""
    return [m for m in desk.api.messages.get(channel, []) if m.get("thread_ts") == thread]


def test_killed_before_the_commit_then_slack_retries_answered_once(desk: Desk) -> None:
    desk.api.users["UNEWBIE"] = slack_user("UNEWBIE", "Rosa Díaz", email="rosa@example.com",
                                           locale="es-ES")
    desk.api.hold("users.info")  # the turn waits here: acknowledged, not committed
    event = desk.message("UNEWBIE", "no puedo conectarme a la vpn desde casa")
    assert desk.event(event, event_id="EvKILL1").status == 200
    desk.api.wait_calls("users.info")
    _kill_and_restart(desk, "users.info")
    # Slack did not get the work done in time for it: it sends the event again.
    assert desk.event(event, event_id="EvKILL1", retry=1).status == 200
    desk.api.wait_for(lambda: _answers(desk, "DUNEWBIE", event["ts"]), what="the answer")
    assert desk.event(event, event_id="EvKILL1", retry=2).status == 200  # done: dropped
    people = json.loads(desk.cli("people", "list", "--json"))
    assert [p["name"] for p in people].count("Rosa Díaz") == 1
    later = desk.dm("UCARLOS", "hola")  # a later turn, so the dropped retry had its chance
    desk.wait_post("DUCARLOS", later["ts"])
    assert len(_answers(desk, "DUNEWBIE", event["ts"])) == 1


def test_killed_after_the_commit_the_outbox_delivers_once(desk: Desk) -> None:
    desk.api.hold("chat.postMessage")  # committed; the reply is on its way when the bot dies
    event = desk.dm("UCARLOS", "no puedo conectarme a la vpn desde casa")
    desk.api.wait_calls("chat.postMessage")
    _kill_and_restart(desk, "chat.postMessage")
    # Nobody re-sends anything: the restarted process finds the reply in the outbox.
    desk.api.wait_for(lambda: _answers(desk, "DUCARLOS", event["ts"]), what="the answer")
    deadline = time.monotonic() + PATIENCE
    while True:  # the outcome is recorded just after the post
        replies = [r for r in json.loads(desk.cli("outbox", "list", "--json"))
                   if r["template"] == "reply"]
        if [r["status"] for r in replies] == ["delivered"] or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert [(r["status"], r["attempts"]) for r in replies] == [("delivered", 2)]
    assert len(_answers(desk, "DUCARLOS", event["ts"])) == 1
