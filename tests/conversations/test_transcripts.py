"""Conversation transcripts (``*.yml`` here) replayed through the console channel.

Each transcript is a list of steps: who speaks (``as``), what they type (``say``), what the desk
must answer (``expect``: substrings, or ``re:`` regular expressions; ``not_expect``), and what
must then be true (``ticket``: status, team, assignee ...; ``db``: row counts; ``security``:
ISO 27001 record fields). ``never_shown_to`` lists texts a person must never see, in replies or
notices (private notes).

A transcript may also set the scene: ``clock`` (an ISO instant the desk's clock starts at; a
step's ``later: {days: 8}`` moves it on) and ``settings`` (config.yml values for this desk:
``business_hours``, ``survey``, ``teams`` to add or change, e.g. an ``on_call``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
import yaml

from actions.people import sync_teams
from actions.queries import show_ticket
from actions.services import Services
from actions.settings import BusinessHours, SurveySettings, TeamSettings
from bot.console import Console
from store.models import SecurityRecord, Ticket
from tests.conversations.conftest import counts, transcripts_dir

TRANSCRIPTS = sorted(transcripts_dir().glob("*.yml"))


def _load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=[p.stem for p in TRANSCRIPTS])
def test_transcript(path: Path, desk: Services, console: Console) -> None:
    script = _load(path)
    _configure(desk, script.get("settings") or {})
    with _clock(script.get("clock")) as clock:
        _replay(path, script, desk, console, clock)


def _replay(path: Path, script: dict[str, Any], desk: Services, console: Console,
            clock: Any) -> None:
    people: dict[str, int] = {}
    for number, step in enumerate(script["steps"], start=1):
        if "later" in step:
            clock.shift(timedelta(**step["later"]))
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


@contextlib.contextmanager
def _clock(start: str | None) -> Iterator[Any]:
    if not start:
        yield None
        return
    with time_machine.travel(datetime.fromisoformat(start), tick=True) as traveller:
        yield traveller


def _configure(desk: Services, changes: dict[str, Any]) -> None:
    """This transcript's config.yml values on top of the project's."""
    settings = desk.settings
    if "business_hours" in changes:
        hours = {k: tuple(v) if isinstance(v, list) else v
                 for k, v in changes["business_hours"].items()}
        settings = dataclasses.replace(settings, sla=dataclasses.replace(
            settings.sla, business_hours=BusinessHours(**hours)))
    if "survey" in changes:
        settings = dataclasses.replace(settings, survey=SurveySettings(**changes["survey"]))
    if "priority_matrix" in changes:
        matrix = {impact: {**row, **(changes["priority_matrix"].get(impact) or {})}
                  for impact, row in settings.priority_matrix.items()}
        settings = dataclasses.replace(settings, priority_matrix=matrix)
    if "teams" in changes:
        teams = dict(settings.teams)
        for code, values in changes["teams"].items():
            base = teams.get(code) or TeamSettings(code=code, name=code)
            teams[code] = dataclasses.replace(base, **values)
        settings = dataclasses.replace(settings, teams=teams)
    if settings is not desk.settings:
        desk.settings = settings
        desk.__post_init__()  # team names for the templates
        sync_teams(desk.uow(), settings)


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
