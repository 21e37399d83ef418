"""People from the workspace directory: what ``deskbot people sync`` changes, and changing it.

The channel (``bot/slack/directory.py``) reads every user of the workspace; this module compares
them with the desk's people and applies the difference in one transaction. Entries carry the
channel's own user id (``address``) and, when the directory knows it, the mailbox, which becomes
the person's address on the email channel. New people arrive as
employees (requesters); known ones get their name, email, time zone and language refreshed.
Deactivated accounts and bots are skipped, and nobody's role is ever lowered (a technician stays
a technician whatever the directory says). ``plan`` changes nothing, so ``--dry-run`` shows
exactly what ``apply`` would do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from store.models import Person, normal_address
from store.uow import UnitOfWork

LANGUAGES = ("es", "en")
#: The channel a directory's mailboxes belong to.
MAILBOX = "email"


@dataclass(frozen=True)
class DirectoryEntry:
    """A workspace user as the channel read it (``address``: their id on that channel)."""

    address: str
    name: str
    email: str | None = None
    timezone: str | None = None
    language: str | None = None
    deactivated: bool = False
    bot: bool = False


@dataclass(frozen=True)
class Change:
    action: str  # add | update
    address: str
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
            "email": normal_address(entry.email) if entry.email else None,
            "timezone": _zone(entry.timezone),
            "language": entry.language if entry.language in LANGUAGES else None}


def _diff(uow: UnitOfWork, person: Person, entry: DirectoryEntry, channel: str,
          ) -> dict[str, tuple[str | None, str | None]]:
    """Field -> (now, then). Addresses are named ``email`` (the mailbox) and ``<channel>_id``
    (the directory's own id), the names ``deskbot people sync`` has always printed."""
    changes: dict[str, tuple[str | None, str | None]] = {}
    for name, value in _wanted(entry).items():
        current = person.address(MAILBOX) if name == "email" else getattr(person, name)
        if value is None or value == current:
            continue
        if name == "email":
            owner = uow.people.by_address(MAILBOX, value)
            if owner is not None and owner.id != person.id:
                continue  # another person has that address: an admin must sort it out
        changes[name] = (current, value)
    if person.address(channel) != entry.address:
        changes[f"{channel}_id"] = (person.address(channel), entry.address)
    return changes


def _set(person: Person, name: str, value: str | None, channel: str) -> None:
    if name == "email":
        person.set_address(MAILBOX, value)
    elif name == f"{channel}_id":
        person.set_address(channel, value)
    else:
        setattr(person, name, value)


def _run(uow: UnitOfWork, entries: Iterable[DirectoryEntry], *, channel: str, apply: bool,
         default_language: str, default_timezone: str) -> SyncReport:
    report = SyncReport(applied=apply)
    with uow:
        seen: set[str] = set()
        for entry in entries:
            if entry.address in seen:
                continue
            seen.add(entry.address)
            if entry.bot:
                report.skipped_bots += 1
                continue
            if entry.deactivated:
                report.skipped_deactivated += 1
                continue
            person = uow.people.by_address(channel, entry.address) or (
                uow.people.by_address(MAILBOX, entry.email) if entry.email else None)
            if person is None:
                wanted = _wanted(entry)
                name = wanted["name"] or entry.address
                report.changes.append(Change("add", entry.address, name,
                                             {k: (None, v) for k, v in wanted.items() if v}))
                if apply:
                    person = Person(
                        name=name, role="requester",
                        language=wanted["language"] or default_language,
                        timezone=wanted["timezone"] or default_timezone, vip=False,
                        active=True)
                    person.set_address(channel, entry.address)
                    person.set_address(MAILBOX, wanted["email"])
                    uow.people.add(person)
                continue
            changes = _diff(uow, person, entry, channel)
            if not changes:
                report.unchanged += 1
                continue
            report.changes.append(Change("update", entry.address, person.name, changes))
            if apply:  # role, team, VIP and the active flag are the desk's, never the directory's
                for name, (_, value) in changes.items():
                    _set(person, name, value, channel)
                uow.session.flush()
        if apply:
            uow.commit()
    return report


def plan(uow: UnitOfWork, entries: Iterable[DirectoryEntry], *, channel: str,
         default_language: str = "es", default_timezone: str = "UTC") -> SyncReport:
    """What a sync of ``channel``'s directory would change (nothing is written)."""
    return _run(uow, entries, channel=channel, apply=False, default_language=default_language,
                default_timezone=default_timezone)


def apply(uow: UnitOfWork, entries: Iterable[DirectoryEntry], *, channel: str,
          default_language: str = "es", default_timezone: str = "UTC") -> SyncReport:
    """Apply the sync of ``channel``'s directory in one transaction and say what changed."""
    return _run(uow, entries, channel=channel, apply=True, default_language=default_language,
                default_timezone=default_timezone)
