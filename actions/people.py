"""People and teams: who the desk knows, their role, language and time zone.

Teams come from config.yml and are synchronised into the database so tickets can refer to them.
Channels map their own user ids to people with ``ensure_person`` (a Slack user seen for the first
time becomes a requester with the profile Slack gave us).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.exc import IntegrityError

from actions.access import ROLES, require_manager
from actions.ports import UnitsOfWork
from actions.settings import Settings
from actions.text import clean
from actions.views import PersonView
from store.errors import Conflict, InvalidInput
from store.models import Person
from store.uow import UnitOfWork

LANGUAGES = ("es", "en")


@dataclass(frozen=True)
class NewPerson:
    name: str
    role: str = "requester"
    team: str | None = None
    slack_id: str | None = None
    email: str | None = None
    language: str = "es"
    timezone: str = "UTC"
    vip: bool = False


def _validate(command: NewPerson) -> NewPerson:
    name = clean(command.name, field="name", max_length=200)
    if command.role not in ROLES:
        raise InvalidInput("bad_choice", field="role", value=command.role, choices=", ".join(ROLES))
    if command.language not in LANGUAGES:
        raise InvalidInput("bad_choice", field="language", value=command.language,
                           choices=", ".join(LANGUAGES))
    try:
        ZoneInfo(command.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput("bad_timezone", value=command.timezone) from exc
    if command.email and "@" not in command.email:
        raise InvalidInput("bad_email", value=command.email)
    return NewPerson(name=name, role=command.role, team=command.team, slack_id=command.slack_id,
                     email=command.email.strip().lower() if command.email else None,
                     language=command.language, timezone=command.timezone, vip=command.vip)


def add_person(uow: UnitOfWork, command: NewPerson, *, actor_id: int | None = None) -> PersonView:
    """Register a person (``actor_id=None``: an admin at the command line)."""
    command = _validate(command)
    with uow:
        if actor_id is not None:
            require_manager(uow.people.get(actor_id), "people_add")
        _require_team(uow, command.role, command.team)
        team = uow.teams.get(command.team).code if command.team else None
        if command.slack_id and uow.people.by_slack_id(command.slack_id):
            raise Conflict("person_exists", ref=command.slack_id)
        if command.email and uow.people.by_email(command.email):
            raise Conflict("person_exists", ref=command.email)
        person = uow.people.add(Person(
            name=command.name, role=command.role, team_code=team, slack_id=command.slack_id,
            email=command.email, language=command.language, timezone=command.timezone,
            vip=command.vip, active=True))
        uow.commit()
        return PersonView.of(person)


def update_person(uow: UnitOfWork, ref: str, **changes: object) -> PersonView:
    """Change role, team, language, time zone, VIP flag or active flag of a known person."""
    allowed = {"role", "team_code", "language", "timezone", "vip", "active", "name", "email"}
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInput("bad_choice", field="field", value=sorted(unknown)[0],
                           choices=", ".join(sorted(allowed)))
    with uow:
        person = uow.people.find(ref)
        if "team_code" in changes and changes["team_code"]:
            changes["team_code"] = uow.teams.get(str(changes["team_code"])).code
        if changes.get("role") is not None and changes["role"] not in ROLES:
            raise InvalidInput("bad_choice", field="role", value=str(changes["role"]),
                               choices=", ".join(ROLES))
        role = str(changes.get("role") or person.role)
        team = changes.get("team_code", person.team_code)
        _require_team(uow, role, str(team) if team else None)
        for name, value in changes.items():
            setattr(person, name, value)
        uow.commit()
        return PersonView.of(person)


def _require_team(uow: UnitOfWork, role: str, team: str | None) -> None:
    """Technicians and leads work a team's queue: without one they would see no tickets."""
    if role in ("technician", "lead") and not team:
        raise InvalidInput("team_required", role=role,
                           teams=", ".join(t.code for t in uow.teams.list()))


def ensure_person(
    uow: UnitOfWork,
    *,
    slack_id: str | None = None,
    email: str | None = None,
    name: str | None = None,
    language: str | None = None,
    timezone: str | None = None,
    default_language: str = "es",
) -> PersonView:
    """The person behind a channel identity, created as a requester the first time.

    Two first messages of a new person at once (two processes, two threads) both try to
    register them: the unique Slack id or email lets one insert win, and the other reads it.
    """
    if not slack_id and not email:
        raise InvalidInput("identity_missing")
    with uow:
        def known() -> Person | None:
            return (uow.people.by_slack_id(slack_id) if slack_id else None) or (
                uow.people.by_email(email) if email else None)

        person = known()
        if person is None:
            tz = timezone or "UTC"
            try:
                ZoneInfo(tz)
            except (ZoneInfoNotFoundError, ValueError):
                tz = "UTC"
            try:
                with uow.savepoint():
                    person = uow.people.add(Person(
                        name=(name or email or slack_id or "?")[:200], role="requester",
                        slack_id=slack_id, email=email.strip().lower() if email else None,
                        language=language if language in LANGUAGES else default_language,
                        timezone=tz, vip=False, active=True))
            except IntegrityError:  # registered a moment ago by a concurrent request
                person = known()
                if person is None:
                    raise
        elif slack_id and not person.slack_id:
            person.slack_id = slack_id
        uow.commit()
        return PersonView.of(person)


def address_of(services: UnitsOfWork, person_id: Any, *, channel: str) -> str | None:
    """Where ``channel`` reaches a person directly (Slack: their member id; email: their
    address), or None when the desk does not know it."""
    if person_id is None:
        return None
    with services.uow() as uow:
        person = uow.session.get(Person, int(person_id))
        if person is None:
            return None
        return {"slack": person.slack_id, "email": person.email}.get(channel)


def set_language(uow: UnitOfWork, *, person_id: int, language: str) -> None:
    """Remember the language a person writes in, so notifications follow it."""
    if language not in LANGUAGES:
        return
    with uow:
        person = uow.people.get(person_id)
        if person.language != language:
            person.language = language
            uow.commit()


def list_people(uow: UnitOfWork, *, role: str | None = None, team: str | None = None,
                ) -> list[PersonView]:
    with uow:
        return [PersonView.of(p) for p in uow.people.list(role=role, team=team)]


def sync_teams(uow: UnitOfWork, settings: Settings) -> list[str]:
    """Create or update the teams of config.yml; returns their codes."""
    with uow:
        for team in settings.teams.values():
            uow.teams.upsert(team.code, team.name, team.slack_channel)
        uow.commit()
        return sorted(settings.teams)
