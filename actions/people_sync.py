"""People from the workspace directory: what ``deskbot people sync`` changes, and changing it.

The channel (``bot/slack/directory.py``) reads every user of the workspace; this module compares
them with the desk's people and applies the difference in one transaction. New people arrive as
employees (requesters); known ones get their name, email, time zone and language refreshed.
Deactivated accounts and bots are skipped, and nobody's role is ever lowered (a technician stays
a technician whatever the directory says). ``plan`` changes nothing, so ``--dry-run`` shows
exactly what ``apply`` would do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from store.models import Person
from store.uow import UnitOfWork

LANGUAGES = ("es", "en")


@dataclass(frozen=True)
class DirectoryEntry:
    """A workspace user as the channel read it."""

    slack_id: str
    name: str
    email: str | None = None
    timezone: str | None = None
    language: str | None = None
    deactivated: bool = False
    bot: bool = False


@dataclass(frozen=True)
class Change:
    action: str  # add | update
    slack_id: str
    name: str
    fields: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)


@dataclass
class SyncReport:
    changes: list[Change] = field(default_factory=list)
    unchanged: int = 0
    skipped_deactivated: int = 0
    skipped_bots: int = 0
    applied: bool = False

    @property
    def added(self) -> int:
        return sum(1 for c in self.changes if c.action == "add")

    @property
    def updated(self) -> int:
        return sum(1 for c in self.changes if c.action == "update")


def _zone(value: str | None) -> str | None:
    if not value:
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return value


def _wanted(entry: DirectoryEntry) -> dict[str, str | None]:
    return {"name": entry.name.strip()[:200] or None,
            "email": entry.email.strip().lower() if entry.email else None,
            "timezone": _zone(entry.timezone),
            "language": entry.language if entry.language in LANGUAGES else None}


def _diff(uow: UnitOfWork, person: Person, entry: DirectoryEntry,
          ) -> dict[str, tuple[str | None, str | None]]:
    changes: dict[str, tuple[str | None, str | None]] = {}
    for name, value in _wanted(entry).items():
        current = getattr(person, name)
        if value is None or value == current:
            continue
        if name == "email":
            owner = uow.people.by_email(value)
            if owner is not None and owner.id != person.id:
                continue  # another person has that address: an admin must sort it out
        changes[name] = (current, value)
    if person.slack_id != entry.slack_id:
        changes["slack_id"] = (person.slack_id, entry.slack_id)
    return changes


def _run(uow: UnitOfWork, entries: Iterable[DirectoryEntry], *, apply: bool,
         default_language: str, default_timezone: str) -> SyncReport:
    report = SyncReport(applied=apply)
    with uow:
        seen: set[str] = set()
        for entry in entries:
            if entry.slack_id in seen:
                continue
            seen.add(entry.slack_id)
            if entry.bot:
                report.skipped_bots += 1
                continue
            if entry.deactivated:
                report.skipped_deactivated += 1
                continue
            person = uow.people.by_slack_id(entry.slack_id) or (
                uow.people.by_email(entry.email) if entry.email else None)
            if person is None:
                wanted = _wanted(entry)
                name = wanted["name"] or entry.slack_id
                report.changes.append(Change("add", entry.slack_id, name,
                                             {k: (None, v) for k, v in wanted.items() if v}))
                if apply:
                    uow.people.add(Person(
                        name=name, role="requester",
                        slack_id=entry.slack_id, email=wanted["email"],
                        language=wanted["language"] or default_language,
                        timezone=wanted["timezone"] or default_timezone, vip=False,
                        active=True))
                continue
            changes = _diff(uow, person, entry)
            if not changes:
                report.unchanged += 1
                continue
            report.changes.append(Change("update", entry.slack_id, person.name, changes))
            if apply:  # role, team, VIP and the active flag are the desk's, never the directory's
                for name, (_, value) in changes.items():
                    setattr(person, name, value)
                uow.session.flush()
        if apply:
            uow.commit()
    return report


def plan(uow: UnitOfWork, entries: Iterable[DirectoryEntry], *, default_language: str = "es",
         default_timezone: str = "UTC") -> SyncReport:
    """What a sync would change (nothing is written)."""
    return _run(uow, entries, apply=False, default_language=default_language,
                default_timezone=default_timezone)


def apply(uow: UnitOfWork, entries: Iterable[DirectoryEntry], *, default_language: str = "es",
          default_timezone: str = "UTC") -> SyncReport:
    """Apply the sync in one transaction and say what changed."""
    return _run(uow, entries, apply=True, default_language=default_language,
                default_timezone=default_timezone)
