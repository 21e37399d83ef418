"""People and teams: who the desk knows, their role, language and time zone.

Teams come from config.yml and are synchronised into the database so tickets can refer to them.
Channels map their own user ids to people with ``ensure_person`` (a Slack user seen for the first
time becomes a requester with the profile Slack gave us). Where a channel reaches a person or a
team is an address on that channel (``person.address("slack")``), never a column of its own, so a
new channel needs nothing here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.exc import IntegrityError

from actions.access import ROLES, require_manager
from actions.ports import UnitsOfWork
from actions.settings import Settings
from actions.text import clean
from actions.views import PersonView
from store.errors import Conflict, InvalidInput
from store.models import Person, normal_address
from store.uow import UnitOfWork

LANGUAGES = ("es", "en")
#: The email channel's name: its addresses are checked to look like mailboxes.
MAILBOX = "email"


@dataclass(frozen=True)
class NewPerson:
    name: str
    role: str = "requester"
    team: str | None = None
    language: str = "es"
    timezone: str = "UTC"
    vip: bool = False
    #: channel -> address (``{"slack": "U123", "email": "ana@example.com"}``)
    addresses: Mapping[str, str] = field(default_factory=dict)


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
    addresses = {channel: address for channel, address in _addresses(command.addresses).items()
                 if address}
    return NewPerson(name=name, role=command.role, team=command.team, addresses=addresses,
                     language=command.language, timezone=command.timezone, vip=command.vip)


def _addresses(given: Mapping[str, str | None]) -> dict[str, str]:
    """Addresses as they are stored ("" where one is to be forgotten); a mailbox must look
    like one."""
    addresses = {channel.strip(): normal_address(address) if address else ""
                 for channel, address in given.items() if channel and channel.strip()}
    if addresses.get(MAILBOX) and "@" not in addresses[MAILBOX]:
        raise InvalidInput("bad_email", value=addresses[MAILBOX])
    return addresses


def add_person(uow: UnitOfWork, command: NewPerson, *, actor_id: int | None = None) -> PersonView:
    """Register a person (``actor_id=None``: an admin at the command line)."""
    command = _validate(command)
    with uow:
        if actor_id is not None:
            require_manager(uow.people.get(actor_id), "people_add")
        _require_team(uow, command.role, command.team)
        team = uow.teams.get(command.team).code if command.team else None
        for channel, address in command.addresses.items():
            if uow.people.by_address(channel, address):
                raise Conflict("person_exists", ref=address)
        person = Person(
            name=command.name, role=command.role, team_code=team, language=command.language,
            timezone=command.timezone, vip=command.vip, active=True)
        for channel, address in command.addresses.items():
            person.set_address(channel, address)
        uow.people.add(person)
        uow.commit()
        return PersonView.of(person)


def update_person(uow: UnitOfWork, ref: str, *,
                  addresses: Mapping[str, str | None] | None = None,
                  **changes: object) -> PersonView:
    """Change role, team, language, time zone, VIP flag or active flag of a known person, and
    their ``addresses`` (channel -> address; an empty one forgets it), all or nothing."""
    wanted = _addresses(addresses or {})
    allowed = {"role", "team_code", "language", "timezone", "vip", "active", "name"}
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
        for channel, address in wanted.items():
            owner = uow.people.by_address(channel, address) if address else None
            if owner is not None and owner.id != person.id:
                raise Conflict("person_exists", ref=address)
        for name, value in changes.items():
            setattr(person, name, value)
        for channel, address in wanted.items():
            person.set_address(channel, address)
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
    channel: str,
    address: str,
    also: Mapping[str, str | None] | None = None,
    name: str | None = None,
    language: str | None = None,
    timezone: str | None = None,
    default_language: str = "es",
) -> PersonView:
    """The person behind ``address`` on ``channel``, created as a requester the first time.

    ``also`` are addresses the channel learned about them elsewhere (Slack's profile gives the
    mailbox): a person an admin registered by email is recognised on their first Slack message
    and gets their Slack id. Two first messages of a new person at once (two processes, two
    threads) both try to register them: the unique address lets one insert win, and the other
    reads it.
    """
    if not address or not address.strip():
        raise InvalidInput("identity_missing")
    others = {c: a for c, a in (also or {}).items() if a and a.strip() and c != channel}
    with uow:
        def known() -> Person | None:
            return uow.people.by_address(channel, address) or next(
                (p for c, a in others.items() if (p := uow.people.by_address(c, a))), None)

        person = known()
        if person is None:
            tz = timezone or "UTC"
            try:
                ZoneInfo(tz)
            except (ZoneInfoNotFoundError, ValueError):
                tz = "UTC"
            try:
                with uow.savepoint():
                    person = Person(
                        name=(name or next(iter(others.values()), None) or address)[:200],
                        role="requester",
                        language=language if language in LANGUAGES else default_language,
                        timezone=tz, vip=False, active=True)
                    for where, what in {channel: address, **others}.items():
                        person.set_address(where, what)
                    uow.people.add(person)
            except IntegrityError:  # registered a moment ago by a concurrent request
                person = known()
                if person is None:
                    raise
        elif not person.address(channel):
            person.set_address(channel, address)
        uow.commit()
        return PersonView.of(person)


def address_of(services: UnitsOfWork, person_id: Any, *, channel: str) -> str | None:
    """Where ``channel`` reaches a person directly (Slack: their member id; email: their
    address), or None when the desk does not know it."""
    if person_id is None:
        return None
    with services.uow() as uow:
        person = uow.session.get(Person, int(person_id))
        return person.address(channel) if person else None


def person_at(uow: UnitOfWork, *, channel: str, address: str) -> PersonView | None:
    """Who ``address`` is on ``channel`` (None: nobody the desk knows)."""
    with uow:
        row = uow.people.known(channel, address)
        return PersonView.of_row(row) if row else None


def team_address(uow: UnitOfWork, *, team: str, channel: str) -> str | None:
    """Where ``channel`` reaches a team (Slack: its triage channel), as ``sync_teams`` stored
    it from config.yml; None when the team has no address there."""
    with uow:
        return uow.teams.address(team, channel)


def set_team_address(uow: UnitOfWork, *, team: str, channel: str, address: str | None) -> None:
    """Record (or, with None, forget) where ``channel`` reaches a team: a channel whose team
    rooms are not in config.yml sets them here, and the team's notices follow."""
    with uow:
        uow.teams.get(team).set_address(channel, address)
        uow.commit()


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


def transfer_targets(uow: UnitOfWork) -> list[PersonView]:
    """Technicians, then leads: whom a ticket can be transferred to (the transfer form)."""
    with uow:
        return [PersonView.of(p) for role in ("technician", "lead")
                for p in uow.people.list(role=role)]


def find_staff(uow: UnitOfWork, *, actor_id: int, typed: str = "") -> list[PersonView]:
    """The ``transfer_targets`` whose name or team holds what was typed (all of them when
    little is typed), ``OPTIONS`` at most: a transfer form too long to list searches here."""
    from actions.access import require_staff
    from actions.choices import OPTIONS, contains, typed_words

    words = typed_words(typed)
    with uow:
        require_staff(uow.people.get(actor_id), "transfer")
    return [p for p in transfer_targets(uow) if contains(words, p.name, p.team or "")][:OPTIONS]


def sync_teams(uow: UnitOfWork, settings: Settings) -> list[str]:
    """Create or update the teams of config.yml; returns their codes."""
    with uow:
        for team in settings.teams.values():
            uow.teams.upsert(team.code, team.name, team.addresses)
        uow.commit()
        return sorted(settings.teams)
