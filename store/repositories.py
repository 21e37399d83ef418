"""Repositories: how aggregates are found and saved. No commits here (the unit of work owns them).

Ticket changes take a row lock first (``get(key, lock=True)``: ``SELECT ... FOR UPDATE`` on
PostgreSQL; SQLite serialises writers with ``BEGIN IMMEDIATE``). That lock is what makes a claim
race have exactly one winner and gives each ticket a gap-free event sequence.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Engine, Select, Table, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict, set_committed_value
from sqlalchemy.orm.util import identity_key

from store import lean
from store.db import autocommit_connection, execute_write
from store.domain import ticket as domain
from store.domain.events import TicketEvent
from store.errors import NotFound
from store.models import (
    Counter,
    Event,
    Follower,
    OutboxMessage,
    Person,
    PersonChannel,
    SurveyAnswer,
    Team,
    Ticket,
    TicketAlias,
    Watcher,
    normal_address,
)
from store.types import utcnow

#: The outbox row every turn inserts, built once (``OutboxRepository._insert``).
_OUTBOX_TABLE = cast(Table, OutboxMessage.__table__)
_OUTBOX_COLUMNS = tuple(c for c in _OUTBOX_TABLE.columns if c.key != "id")
_OUTBOX_INSERT = insert(_OUTBOX_TABLE).values(
    {c.key: bindparam(c.key) for c in _OUTBOX_COLUMNS}).returning(_OUTBOX_TABLE.c.id)
_OUTBOX_KEYS = tuple(c.key for c in _OUTBOX_COLUMNS)
#: (column, default, whether the default is called): the defaults the ORM would apply.
_OUTBOX_DEFAULTS = tuple(
    (c.key, c.default.arg, callable(c.default.arg))  # type: ignore[attr-defined]
    for c in _OUTBOX_COLUMNS if c.default is not None)
#: Who an address is, with all their addresses: one statement, built once (every turn starts
#: here, and building an ORM select with a join and a loader option costs more than running it).
_BY_ADDRESS = (select(Person).join(PersonChannel)
               .where(PersonChannel.channel == bindparam("channel"),
                      PersonChannel.address == bindparam("address"))
               .options(joinedload(Person.channels)))
_PEOPLE = person_table = cast(Table, Person.__table__)
_CHANNELS = cast(Table, PersonChannel.__table__)
#: The address looked for (the person's other addresses come from ``_CHANNELS`` itself).
_SENDER = _CHANNELS.alias("sender")


#: A person's columns and all their addresses (one row per address) by one of them, as a plain
#: Core select built once: what ``PersonRepository.known`` runs. A caller may add columns that
#: refer to ``people`` (``actions.conversation.turn`` adds the sender's waiting conversation:
#: one round trip less per DM) and run it with ``PersonRepository.read_known``.
person_row_query: Select[Any] = (
    select(*_PEOPLE.c, _CHANNELS.c.channel.label("address_channel"),
           _CHANNELS.c.address.label("address_value"))
    .select_from(_SENDER.join(_PEOPLE, _PEOPLE.c.id == _SENDER.c.person_id)
                 .join(_CHANNELS, _CHANNELS.c.person_id == _PEOPLE.c.id))
    .where(_SENDER.c.channel == bindparam("channel"), _SENDER.c.address == bindparam("address")))


@dataclass(frozen=True)
class PersonRow:
    """A person as one plain select read them (``PersonRepository.known``): what a
    conversation turn needs of its sender, without the ORM building and tracking an entity
    (that cost more than the statement). ``PersonRepository.get`` turns it into the entity,
    without a statement, for the use cases that change the person or need the row."""

    id: int
    name: str
    role: str
    team_code: str | None
    language: str
    timezone: str
    vip: bool
    active: bool
    created_at: datetime
    #: channel -> address
    addresses: dict[str, str]

    @classmethod
    def of(cls, person: Person) -> PersonRow:
        return cls(id=person.id, name=person.name, role=person.role,
                   team_code=person.team_code, language=person.language,
                   timezone=person.timezone, vip=person.vip, active=person.active,
                   created_at=person.created_at,
                   addresses={c.channel: c.address for c in person.channels})

    @classmethod
    def read(cls, rows: Sequence[Any]) -> PersonRow | None:
        """The person in rows of ``person_row_query`` (None when there are none)."""
        if not rows:
            return None
        first = rows[0]
        return cls(id=first.id, name=first.name, role=first.role, team_code=first.team_code,
                   language=first.language, timezone=first.timezone, vip=first.vip,
                   active=first.active, created_at=first.created_at,
                   addresses={r.address_channel: r.address_value for r in rows})


def _fold(text: str) -> str:
    """Lower case without accents: how people type names in chat."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


KEY_PREFIX = {"incident": "INC", "request": "REQ", "security": "SEC"}


def parse_key(key: str) -> tuple[str, int] | None:
    """``'inc-42'`` -> ``('INC', 42)``; None when it is not a ticket key at all."""
    prefix, sep, number = key.strip().upper().partition("-")
    if not sep or prefix not in KEY_PREFIX.values() or not number.isdigit():
        return None
    return prefix, int(number)


class PersonRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        #: Rows behind the actors handed out: the session only holds unchanged rows weakly.
        self._held: dict[int, Person] = {}
        #: People read with ``known`` whose entity no one asked for yet, by id.
        self._rows: dict[int, PersonRow] = {}
        #: (channel, address) -> what a combined statement read for the next ``known``.
        self._prefetched: dict[tuple[str, str], PersonRow | None] = {}

    def add(self, person: Person) -> Person:
        self.session.add(person)
        self.session.flush()
        return person

    def get(self, person_id: int) -> Person:
        """The entity (held for the unit of work's life). A person ``known`` read earlier in
        this unit of work becomes the entity without a statement."""
        row = self._rows.pop(person_id, None)
        person = self._attach(row) if row is not None else self.session.get(Person, person_id)
        if person is None:
            raise NotFound("person_not_found", ref=str(person_id))
        self._held[person.id] = person
        return person

    def known(self, channel: str, address: str) -> PersonRow | None:
        """Who ``address`` is on ``channel``, as a plain row (every conversation turn starts
        here; ``by_address`` gives the entity for use cases that change the person)."""
        key = (channel, normal_address(address))
        if key in self._prefetched:
            return self._prefetched.pop(key)
        if self.session.autoflush:
            self.session.flush()  # as the ORM's select would: nothing to do when clean
        rows = lean.run(self.session.connection(), person_row_query,
                        {"channel": key[0], "address": key[1]}).all()
        return self.keep(rows)

    def read_known(self, channel: str, address: str, statement: Any,
                   params: Mapping[str, Any]) -> Sequence[Any]:
        """Run ``statement`` (``person_row_query`` with columns of the caller's added) for
        ``address`` on ``channel``: its rows (tuples whose columns are also attributes named
        by their labels), the person in them remembered for the next
        ``known(channel, address)`` of this unit of work, which then costs no statement."""
        key = (channel, normal_address(address))
        if self.session.autoflush:
            self.session.flush()
        rows = lean.run(self.session.connection(), statement,
                        {**params, "channel": key[0], "address": key[1]}).all()
        self._prefetched[key] = self.keep(rows)
        return rows

    def keep(self, rows: Sequence[Any]) -> PersonRow | None:
        """The person in rows of ``person_row_query``, remembered for ``row`` and ``get``."""
        row = PersonRow.read(rows)
        if row is not None and self._entity(row.id) is None:
            self._rows[row.id] = row
        return row

    def row(self, person_id: int) -> PersonRow:
        """The person as a plain row: the entity's current state when it is in the session
        (a change made in this unit of work shows), else what ``known`` read, else loaded."""
        person = self._entity(person_id)
        if person is None:
            cached = self._rows.get(person_id)
            if cached is not None:
                return cached
            person = self.get(person_id)
        return PersonRow.of(person)

    def _entity(self, person_id: int) -> Person | None:
        return cast(Person | None, self.session.identity_map.get(identity_key(Person, person_id)))

    def _attach(self, row: PersonRow) -> Person:
        """The entity of a row ``known`` read, joined to the session as loaded (the session's
        own copy wins when someone loaded it meanwhile)."""
        person = self._entity(row.id)
        if person is not None:
            return person
        channels = [PersonChannel(person_id=row.id, channel=channel, address=address)
                    for channel, address in row.addresses.items()]
        for channel_row in channels:
            make_transient_to_detached(channel_row)
        person = Person(id=row.id, name=row.name, role=row.role, team_code=row.team_code,
                        language=row.language, timezone=row.timezone, vip=row.vip,
                        active=row.active, created_at=row.created_at)
        person.channels = channels
        make_transient_to_detached(person)
        self.session.add(person)
        return person

    def actor(self, person_id: int) -> domain.Actor:
        """A person as the ticket's rules see them (NotFound when unknown). The row stays
        in the session (the events it writes name it) without being read again."""
        person = self.get(person_id)
        self._held[person.id] = person
        return _actor(person)

    def by_address(self, channel: str, address: str) -> Person | None:
        """Who ``address`` is on ``channel`` (addresses are stored as ``normal_address`` makes
        them, so the lookup is exact and uses the unique index)."""
        return self.session.scalars(_BY_ADDRESS, {"channel": channel,
                                                  "address": normal_address(address)}
                                    ).unique().first()

    def by_any_address(self, address: str) -> Person | None:
        """Whoever has ``address`` on some channel: what an admin types (``UANA``, a mailbox)."""
        return self.session.scalar(
            select(Person).join(PersonChannel)
            .where(PersonChannel.address == normal_address(address))
            .order_by(Person.id).limit(1)
        )

    def by_name(self, name: str) -> Person | None:
        return self.session.scalar(
            select(Person).where(func.lower(Person.name) == name.strip().lower()).limit(1)
        )

    def find(self, ref: str) -> Person:
        """A person by id, an address on any channel (Slack id, email) or exact name: what an
        admin or technician types."""
        ref = ref.strip().lstrip("@")
        if ref.startswith("<@") and ref.endswith(">"):
            ref = ref[2:-1].split("|")[0]
        person = None
        if ref.isdigit():
            person = self.session.get(Person, int(ref))
        person = person or self.by_any_address(ref) or self.by_name(ref)
        if person is None:
            person = self._by_first_name(ref)
        if person is None:
            raise NotFound("person_not_found", ref=ref)
        return person

    def _by_first_name(self, ref: str) -> Person | None:
        """``luis`` -> Luis Pérez, when exactly one active person's name starts that way."""
        wanted = _fold(ref)
        if not wanted:
            return None
        candidates = [
            p for p in self.session.scalars(select(Person).where(Person.active.is_(True)))
            if _fold(p.name).split(" ")[0] == wanted or _fold(p.name) == wanted
        ]
        return candidates[0] if len(candidates) == 1 else None

    def list(self, role: str | None = None, team: str | None = None) -> Sequence[Person]:
        query = select(Person).order_by(Person.id)
        if role:
            query = query.where(Person.role == role)
        if team:
            query = query.where(Person.team_code == team)
        return self.session.scalars(query).all()

    def leads_of(self, team: str) -> Sequence[Person]:
        return self.session.scalars(
            select(Person).where(
                Person.team_code == team, Person.role == "lead", Person.active.is_(True)
            )
        ).all()


def _actor(person: Person) -> domain.Actor:
    return domain.Actor(id=person.id, name=person.name, role=person.role,
                        active=bool(person.active), team=person.team_code)


class TeamRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, code: str) -> Team:
        team = self.session.get(Team, code.strip().upper())
        if team is None:
            codes = self.session.scalars(select(Team.code).order_by(Team.code)).all()
            raise NotFound("team_not_found", ref=code, teams=", ".join(codes))
        return team

    def list(self) -> Sequence[Team]:
        return self.session.scalars(select(Team).order_by(Team.code)).all()

    def upsert(self, code: str, name: str, addresses: Mapping[str, str] | None = None) -> Team:
        """Create or rename a team; ``addresses`` (channel -> address) replace the ones it had
        on those channels, and an empty address forgets one."""
        team = self.session.get(Team, code)
        if team is None:
            team = Team(code=code, name=name)
            self.session.add(team)
        else:
            team.name = name
        for channel, address in (addresses or {}).items():
            team.set_address(channel, address.strip())
        return team

    def address(self, code: str, channel: str) -> str | None:
        """Where ``channel`` reaches the team (Slack: its triage channel), if anywhere."""
        team = self.session.get(Team, code)
        return team.address(channel) if team else None


class TicketRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        #: Rows behind the aggregates loaded in this unit of work, by id.
        self._loaded: dict[int, Ticket] = {}

    def next_key(self, kind: str) -> tuple[str, int]:
        """Reserve the next number for a kind under the counter's row lock."""
        prefix = KEY_PREFIX[kind]
        stmt = (
            update(Counter)
            .where(Counter.name == prefix)
            .values(value=Counter.value + 1)
            .returning(Counter.value)
        )
        number = self.session.execute(stmt).scalar()
        if number is None:
            try:
                with self.session.begin_nested():
                    self.session.add(Counter(name=prefix, value=0))
            except IntegrityError:
                pass  # another transaction created it first
            number = self.session.execute(stmt).scalar_one()
        return f"{prefix}-{number}", number

    def add(self, ticket: Ticket) -> Ticket:
        self.session.add(ticket)
        self.session.flush()
        return ticket

    def get(self, key: str, *, lock: bool = False) -> Ticket:
        parsed = parse_key(key)
        if parsed is None:
            raise NotFound("ticket_not_found", key=key.strip()[:40])
        canonical = f"{parsed[0]}-{parsed[1]}"
        query = select(Ticket).where(Ticket.key == canonical)
        alias = self.session.scalar(select(TicketAlias.ticket_id).where(
            TicketAlias.key == canonical))
        if alias is not None:  # a key the ticket had before its kind changed (INC-4 -> SEC-2)
            query = select(Ticket).where(Ticket.id == alias)
        if lock:
            query = query.with_for_update(of=Ticket)
        ticket = self.session.scalars(query).unique().one_or_none()
        if ticket is None:
            raise NotFound("ticket_not_found", key=canonical)
        if lock:
            self.session.refresh(ticket)
        return ticket

    def load(self, key: str) -> domain.Ticket:
        """The ``Ticket`` aggregate of ``key``, under the row lock until the unit of work ends."""
        row = self.get(key, lock=True)
        self._loaded[row.id] = row  # the session holds unchanged rows weakly: save finds it
        return self.aggregate(row)

    @staticmethod
    def aggregate(row: Ticket) -> domain.Ticket:
        """The aggregate of a row the caller has locked already."""
        return domain.Ticket(
            id=row.id, key=row.key, status=row.status, priority=row.priority,
            requester_id=row.requester_id,
            assignee=_actor(row.assignee) if row.assignee else None, team=row.team_code,
            created_at=row.created_at, first_response_at=row.first_response_at,
            resolved_at=row.resolved_at, closed_at=row.closed_at, resolution=row.resolution,
            response_due_at=row.response_due_at, resolution_due_at=row.resolution_due_at,
            paused_at=row.paused_at, paused_seconds=row.paused_seconds or 0,
            sla_next_at=row.sla_next_at,
        )

    def save(self, ticket: domain.Ticket, events: Sequence[TicketEvent],
             history: EventRepository) -> Ticket:
        """Write the aggregate's state back to its row and its events to ``history``, in the
        unit of work; returns the row (its assignee follows the new id when next read)."""
        row = self._loaded.get(ticket.id) or self.session.get(Ticket, ticket.id)
        if row is None:
            raise NotFound("ticket_not_found", key=ticket.key)
        if row.assignee_id != ticket.assignee_id:
            row.assignee_id = ticket.assignee_id
            self.session.expire(row, ["assignee"])
        row.status, row.team_code, row.priority = ticket.status, ticket.team, ticket.priority
        row.first_response_at, row.resolved_at = ticket.first_response_at, ticket.resolved_at
        row.closed_at, row.resolution = ticket.closed_at, ticket.resolution
        row.response_due_at, row.resolution_due_at = (
            ticket.response_due_at, ticket.resolution_due_at)
        row.paused_at, row.paused_seconds, row.sla_next_at = (
            ticket.paused_at, ticket.paused_seconds, ticket.sla_next_at)
        for event in events:
            actor = self.session.get(Person, event.actor_id) if event.actor_id else None
            history.append(row, event.type, actor=actor, at=event.at,
                           visibility=event.visibility, payload=event.payload())
        return row

    def list(
        self,
        *,
        statuses: Sequence[str] | None = None,
        requester_id: int | None = None,
        assignee_id: int | None = None,
        team: str | None = None,
        unassigned: bool = False,
        limit: int = 200,
    ) -> Sequence[Ticket]:
        query = select(Ticket).order_by(Ticket.priority, Ticket.created_at).limit(limit)
        if statuses:
            query = query.where(Ticket.status.in_(list(statuses)))
        if requester_id is not None:
            query = query.where(Ticket.requester_id == requester_id)
        if assignee_id is not None:
            query = query.where(Ticket.assignee_id == assignee_id)
        if team:
            query = query.where(Ticket.team_code == team)
        if unassigned:
            query = query.where(Ticket.assignee_id.is_(None))
        return self.session.scalars(query).unique().all()

    def keys(self, *, statuses: Sequence[str], requester_id: int, limit: int = 200,
             ) -> Sequence[str]:
        """A requester's ticket keys in these statuses, newest first: every turn asks, and
        loading the tickets with what they join costs ten times the keys."""
        return self.session.scalars(
            select(Ticket.key).where(Ticket.status.in_(tuple(statuses)),
                                     Ticket.requester_id == requester_id)
            .order_by(Ticket.id.desc()).limit(limit)).all()

    def by_channel_ref(self, channel: str, ref: str) -> Ticket | None:
        return self.session.scalars(
            select(Ticket).where(Ticket.channel == channel, Ticket.channel_ref == ref)
        ).unique().one_or_none()

    def watchers(self, ticket: Ticket) -> Sequence[Person]:
        return self.session.scalars(
            select(Person).join(Watcher, Watcher.person_id == Person.id)
            .where(Watcher.ticket_id == ticket.id)
            .order_by(Watcher.added_at)
        ).all()

    def follower_count(self, ticket: Ticket) -> int:
        """Employees following the ticket (the same problem, joined or merged in)."""
        if ticket.id is None:
            return 0
        return int(self.session.scalar(select(func.count()).select_from(Follower)
                                       .where(Follower.ticket_id == ticket.id)) or 0)

    def add_watcher(self, ticket: Ticket, person: Person) -> bool:
        """False when the person already watches the ticket."""
        if self.session.get(Watcher, (ticket.id, person.id)) is not None:
            return False
        self.session.add(Watcher(ticket_id=ticket.id, person_id=person.id))
        return True


class EventRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        #: Events appended in this unit of work, for before-commit hooks (notifications).
        self.added: list[Event] = []

    def append(
        self,
        ticket: Ticket,
        type_: str,
        *,
        actor: Person | None,
        visibility: str = "public",
        payload: dict[str, Any] | None = None,
        at: datetime | None = None,
    ) -> Event:
        """Append an event; the caller holds the ticket's lock, so max(seq)+1 is safe."""
        if ticket.id is None:
            self.session.flush()
        last = self.session.scalar(
            select(func.max(Event.seq)).where(Event.ticket_id == ticket.id)
        )
        event = Event(
            ticket_id=ticket.id,
            seq=(last or 0) + 1,
            at=at or utcnow(),
            actor_id=actor.id if actor else None,
            type=type_,
            visibility=visibility,
            payload=payload or {},
        )
        self.session.add(event)
        self.session.flush()
        self.added.append(event)
        return event

    def history(self, ticket: Ticket, *, include_internal: bool) -> Sequence[Event]:
        query = select(Event).where(Event.ticket_id == ticket.id).order_by(Event.seq)
        if not include_internal:
            query = query.where(Event.visibility == "public")
        return self.session.scalars(query).all()


class SurveyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def answers(self, ticket: Ticket) -> Sequence[SurveyAnswer]:
        return self.session.scalars(
            select(SurveyAnswer).where(SurveyAnswer.ticket_id == ticket.id)
            .order_by(SurveyAnswer.id)
        ).all()

    def add(self, answer: SurveyAnswer) -> SurveyAnswer:
        self.session.add(answer)
        self.session.flush()
        return answer


class OutboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        #: Messages queued in this unit of work (after-commit hooks wake the delivery worker).
        self.queued = 0
        #: The rows themselves, for a before-commit hook that delivers them right after commit.
        self.added: list[OutboxMessage] = []
        #: Set by the composition root: marks a message it will deliver right after the commit
        #: (``sending`` under a lease) before it is inserted, so claiming costs no UPDATE.
        self.claim: Callable[[OutboxMessage], None] | None = None

    def add(self, message: OutboxMessage, *, new_key: bool = False) -> OutboxMessage:
        """Queue a message; a second message with the same key is ignored (idempotent).
        ``new_key``: the caller knows no message has this key (it contains a delivery key
        this very transaction recorded), so nothing is looked up."""
        existing = None if new_key else self.session.scalar(
            select(OutboxMessage).where(OutboxMessage.key == message.key)
        )
        if existing is not None:
            return existing
        if self.claim is not None:
            self.claim(message)
        self._insert(message)
        self.queued += 1
        self.added.append(message)
        return message

    def _insert(self, message: OutboxMessage) -> None:
        """One cached Core ``INSERT ... RETURNING id``, then the message joins the session as
        the stored row it now is. Every turn queues a reply: the ORM's flush of a new object
        (building and sorting its unit of work) cost more than the statement itself."""
        given = instance_dict(message)  # what was set: reading the others through the
        values = {key: given.get(key) for key in _OUTBOX_KEYS}  # attributes cost 3x as much
        for key, arg, call in _OUTBOX_DEFAULTS:  # the column defaults, as the ORM applies them
            if values[key] is None:
                values[key] = value = arg(None) if call else arg
                set_committed_value(message, key, value)
        message.id = execute_write(self.session, _OUTBOX_INSERT, values).scalar_one()
        make_transient_to_detached(message)
        self.session.add(message)


def mark_sent(engine: Engine, marks: Sequence[tuple[int, int, datetime]], *, claimed: str,
              sent: str) -> int:
    """Give outbox rows the status ``sent`` at their time, each only while its claim holds
    (status ``claimed``, the same attempts): marks ``(id, attempts, at)``. Returns how many
    rows were still under their claim. Each statement is its own transaction: no unit of work
    and no session, a background writer sends one for every few replies. Marks written again
    (after a later statement of the same call failed) find their rows no longer claimed.

    On PostgreSQL through psycopg it is one ``UPDATE ... FROM (VALUES ...)`` per
    ``MARKS_PER_STATEMENT`` marks, in autocommit on the driver's own cursor (one round trip,
    where a transaction around an executemany cost three and the ORM's execution path more
    than the statement); elsewhere (SQLite, another driver) one executemany in a short
    transaction on a bare connection."""
    if not marks:
        return 0
    if lean.on_psycopg(engine.dialect):
        written = 0
        with autocommit_connection(engine) as driver:
            for start in range(0, len(marks), MARKS_PER_STATEMENT):
                chunk = marks[start:start + MARKS_PER_STATEMENT]
                params = [value for mark in chunk for value in mark]
                written += int(driver.execute(_mark_sent_sql(len(chunk), claimed, sent),
                                              params).rowcount)
        return written
    rows = [{"mark_id": row_id, "mark_attempts": attempts, "mark_at": at}
            for row_id, attempts, at in marks]
    with engine.begin() as connection:
        result = connection.execute(_mark_sent_statement(claimed, sent), rows)
        return int(result.rowcount)  # type: ignore[attr-defined]


#: Marks per statement on PostgreSQL: a statement takes at most 65,535 parameters (three per
#: mark), and the marks kept through a long outage all go out in the flush after it.
MARKS_PER_STATEMENT = 1000


@functools.lru_cache(maxsize=64)
def _mark_sent_sql(rows: int, claimed: str, sent: str) -> str:
    """``mark_sent``'s statement for ``rows`` marks on PostgreSQL, built once per size."""
    one = "(%s::integer, %s::integer, %s::timestamptz)"
    table = _OUTBOX_TABLE.name
    return (f'UPDATE "{table}" SET "status" = \'{sent}\', "delivered_at" = mark.at, '
            f'"last_error" = NULL FROM (VALUES {", ".join([one] * rows)}) '
            f'AS mark (id, attempts, at) WHERE "{table}"."id" = mark.id '
            f'AND "{table}"."status" = \'{claimed}\' AND "{table}"."attempts" = mark.attempts')


@functools.cache
def _mark_sent_statement(claimed: str, sent: str) -> Any:
    """``mark_sent``'s statement elsewhere, one row per parameter set."""
    table = _OUTBOX_TABLE
    return (update(table)
            .where(table.c.id == bindparam("mark_id"), table.c.status == claimed,
                   table.c.attempts == bindparam("mark_attempts"))
            .values(status=sent, delivered_at=bindparam("mark_at"), last_error=None))
