"""Conversation transcripts (``*.yml`` here) replayed through the console channel.

Each transcript is a list of steps: who speaks (``as``), what they type (``say``), what the desk
must answer (``expect``: substrings, or ``re:`` regular expressions; ``not_expect``), and what
must then be true (``ticket``: status, team, assignee ...; ``db``: row counts; ``security``:
ISO 27001 record fields). ``never_shown_to`` lists texts a person must never see, in replies or
notices (private notes).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from actions.queries import show_ticket
from actions.services import Services
from bot.console import Console
from store.models import SecurityRecord, Ticket
from tests.conversations.conftest import counts, transcripts_dir

TRANSCRIPTS = sorted(transcripts_dir().glob("*.yml"))


def _load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=[p.stem for p in TRANSCRIPTS])
def test_transcript(path: Path, desk: Services, console: Console) -> None:
    script = _load(path)
    people: dict[str, int] = {}
    for number, step in enumerate(script["steps"], start=1):
        where = f"{path.name} step {number} ({step.get('say', step.get('as'))!r})"
        output: list[str] = []
        if step.get("as") and not _is_current(console, step["as"]):
            output += console.feed(f"/as {step['as']}")
            assert _is_current(console, step["as"]), f"{where}: could not switch"
        people[step.get("as") or console.person.name] = console.person.id
        if "say" in step:
            output += console.feed(str(step["say"]))
        text = "\n".join(output)
        for wanted in _list(step.get("expect")):
            assert _found(wanted, text), f"{where}: expected {wanted!r} in:\n{text}"
        for unwanted in _list(step.get("not_expect")):
            assert not _found(unwanted, text), f"{where}: did not expect {unwanted!r} in:\n{text}"
        if "ticket" in step:
            _check_ticket(desk, step["ticket"], where)
        if "db" in step:
            now = counts(desk)
            for table, expected in step["db"].items():
                assert now[table] == expected, f"{where}: {table} = {now[table]}, not {expected}"
        if "security" in step:
            _check_security(desk, step["security"], where)
    for name, texts in (script.get("never_shown_to") or {}).items():
        person_id = _person_id(desk, name)
        seen = "\n".join(text for pid, text in console.seen if pid == person_id)
        for secret in texts:
            assert secret not in seen, f"{path.name}: {name} was shown {secret!r}"


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _found(wanted: str, text: str) -> bool:
    if wanted.startswith("re:"):
        return re.search(wanted[3:], text) is not None
    return wanted in text


def _is_current(console: Console, name: str) -> bool:
    return console.person.name.split(" ")[0].lower() == str(name).split(" ")[0].lower()


def _person_id(desk: Services, name: str) -> int:
    with desk.uow() as uow:
        return uow.people.find(name).id


def _check_ticket(desk: Services, expected: dict[str, Any], where: str) -> None:
    ticket = show_ticket(desk.uow(), key=expected["key"], actor_id=None)
    actual = {
        "status": ticket.status, "team": ticket.team, "priority": ticket.priority,
        "category": ticket.category, "kind": ticket.kind,
        "assignee": ticket.assignee.name if ticket.assignee else None,
        "requester": ticket.requester.name, "channel_ref": ticket.channel_ref,
        "rating": next((a.rating for a in ticket.survey if a.rating is not None), None),
        "survey_comment": next((a.comment for a in ticket.survey if a.comment), None),
    }
    for name, value in expected.items():
        if name == "key":
            continue
        if name == "history":
            types = [e.type for e in ticket.history]
            missing = [t for t in value if t not in types]
            assert not missing, f"{where}: {ticket.key} history lacks {missing}: {types}"
            continue
        if name == "handover":
            flagged = any(e.payload.get("handover") for e in ticket.history)
            assert flagged == value, f"{where}: {ticket.key} handover flag is {flagged}"
            continue
        assert actual[name] == value, f"{where}: {ticket.key}.{name} = {actual[name]!r}"


def _check_security(desk: Services, expected: dict[str, Any], where: str) -> None:
    with desk.uow() as uow:
        ticket = uow.tickets.get(expected["key"])
        record = uow.session.get(SecurityRecord, ticket.id)
        assert record is not None and isinstance(ticket, Ticket)
        for name, value in expected.items():
            if name == "key":
                continue
            actual = getattr(record, name)
            if value == "set":
                assert actual is not None, f"{where}: {name} is not set"
            elif value is None:
                assert actual is None, f"{where}: {name} = {actual!r}, expected unset"
            else:
                assert actual == value, f"{where}: {name} = {actual!r}"
