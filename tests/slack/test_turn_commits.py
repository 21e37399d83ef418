"""A DM turn costs at most three commits, counted at the database driver: the turn itself
(dedupe key, person, state, the action's writes and the reply as an outbox row) and the outcome
of delivering the reply right after it."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import event, select

from store.models import OutboxMessage
from tests.slack.conftest import Harness


def _delivered(slack: Harness) -> bool:
    with slack.services.session_factory() as session:
        statuses = session.scalars(select(OutboxMessage.status)).all()
    return bool(statuses) and all(s == "delivered" for s in statuses)


@pytest.mark.parametrize("user", ["UCARLOS", "UNEW"])  # known, and seen for the first time
def test_a_dm_turn_commits_at_most_three_times(slack: Harness, user: str) -> None:
    commits: list[Any] = []

    def counted(connection: Any) -> None:
        commits.append(connection)

    event.listen(slack.services.engine, "commit", counted)
    answer = slack.dm(user, "no puedo conectarme a la vpn desde casa")
    assert answer.status == 200
    slack.api.wait_calls("chat.postMessage")
    deadline = time.monotonic() + 60
    while not _delivered(slack) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _delivered(slack)
    event.remove(slack.services.engine, "commit", counted)
    assert 1 <= len(commits) <= 3
    assert len(slack.api.calls_to("chat.postMessage")) == 1
