"""The lookups every message makes stay cheap however long the desk has run.

A top-level DM asks for the person's latest conversation awaiting an answer, and every message
in a thread asks for the thread's ticket. Both must find their rows through an index of their
own: scanning every conversation or ticket of the desk made each message slower as history grew
(a desk with a year of conversations would scan all of them on every DM).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.dialects import postgresql

from actions.common import now
from actions.conversation.turn import _SENDER_WAITING, _WAITING
from actions.services import Services
from store.models import Conversation, Ticket
from tests.conftest import Cast

pytestmark = pytest.mark.postgres


def _plan(services: Services, statement: Any, params: dict[str, Any],
          setting: str | None = None) -> str:
    """PostgreSQL's plan for ``statement`` with ``params``, as JSON text."""
    compiled = statement.compile(dialect=postgresql.dialect())
    with services.engine.connect() as connection:
        if setting:
            connection.execute(text(setting))
        plan = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}",
                                          {**compiled.params, **params}).scalar_one()
    return json.dumps(plan)


def _with_history(services: Services, cast: Cast, stamp: datetime,
                  rows: list[dict[str, Any]]) -> None:
    """``rows`` among 3000 conversations of someone else's, analysed as a busy desk's."""
    history = [{"channel": "slack", "ref": f"D{n % 50:03d}:{n}.0001", "person_id": cast.emma.id,
                "state": {"slots": {}}, "updated_at": stamp - timedelta(minutes=n % 90)}
               for n in range(3000)]
    with services.engine.begin() as connection:
        connection.execute(insert(Conversation), history + rows)
        connection.execute(text("ANALYZE conversations"))


def test_the_waiting_conversation_is_found_by_index_among_thousands(
        pg_services: Services, cast: Cast) -> None:
    services = pg_services
    stamp = now()
    _with_history(services, cast, stamp, [
        {"channel": "slack", "ref": "DCARLOS:1.0001", "person_id": cast.carlos.id,
         "state": {"slots": {"awaiting": "description"}}, "updated_at": stamp}])
    params = {"channel": "slack", "prefix": "DCARLOS:", "person_id": cast.carlos.id,
              "since": stamp - timedelta(minutes=30)}
    plan = _plan(services, _WAITING, params)
    assert "ix_conversations_person_recent" in plan
    assert "Seq Scan" not in plan
    with services.session_factory() as session:
        assert session.execute(_WAITING, params).first().ref == "DCARLOS:1.0001"


def _scans(plan: Any) -> list[tuple[str, str]]:
    """(node type, alias) of every node of a JSON plan that reads a relation."""
    found: list[tuple[str, str]] = []
    stack = [plan]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            if "Relation Name" in node:
                found.append((node["Node Type"], node.get("Alias", "")))
            stack.extend(node.values())
    return found


def test_the_sender_and_their_waiting_conversation_are_read_by_index_in_one_statement(
        pg_services: Services, cast: Cast) -> None:
    services = pg_services
    stamp = now()
    _with_history(services, cast, stamp, [
        {"channel": "slack", "ref": "DCARLOS:1.0001", "person_id": cast.carlos.id,
         "state": {"slots": {"awaiting": "description"}}, "updated_at": stamp},
        {"channel": "slack", "ref": "DCARLOS:0.0001", "person_id": cast.carlos.id,
         "state": {"slots": {}}, "updated_at": stamp - timedelta(minutes=5)}])
    params = {"channel": "slack", "address": "UCARLOS", "follow_channel": "slack",
              "prefix": "DCARLOS:", "since": stamp - timedelta(minutes=30)}
    scans = _scans(json.loads(_plan(services, _SENDER_WAITING, params)))
    latest = [node for node, alias in scans if alias == "latest"]
    assert latest and all(node != "Seq Scan" for node in latest)
    assert "ix_conversations_person_recent" in _plan(services, _SENDER_WAITING, params)
    with services.session_factory() as session:
        found = session.execute(_SENDER_WAITING, params).all()
    assert {row.address_channel for row in found} == {"slack", "email"}
    assert {(row.id, row.waiting_ref) for row in found} == {(cast.carlos.id, "DCARLOS:1.0001")}
    assert found[0].waiting_state == {"slots": {"awaiting": "description"}}


def test_the_ticket_of_a_thread_is_found_by_index(pg_services: Services) -> None:
    statement = select(Ticket.id).where(Ticket.channel == "slack",
                                        Ticket.channel_ref == "C1:1.0001")
    # An empty table is scanned whatever its indexes: plan it as if it were large.
    plan = _plan(pg_services, statement, {}, setting="SET enable_seqscan = off")
    assert "ix_tickets_thread" in plan
