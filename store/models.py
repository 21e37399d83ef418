"""SQLAlchemy 2 models: the desk's persistent state.

Tickets hold their current state; ``events`` hold everything that ever happened to them
(append-only), so history, audit export and reports are all read from events. Rows that make the
desk safe to run as several processes also live here: processed inbound events (de-duplication),
the outbox, timed notices already sent, and per-kind key counters.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from store.types import JSONType, UTCDateTime, utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSONType}


class TeamChannel(Base):
    """Where a team is reached on a channel (Slack: its triage channel's id). One per channel."""

    __tablename__ = "team_channels"

    team_code: Mapped[str] = mapped_column(ForeignKey("teams.code"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    address: Mapped[str] = mapped_column(String(320))


class Team(Base):
    __tablename__ = "teams"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    channels: Mapped[list[TeamChannel]] = relationship(
        lazy="selectin", cascade="all, delete-orphan")

    def address(self, channel: str) -> str | None:
        return next((c.address for c in self.channels if c.channel == channel), None)

    def set_address(self, channel: str, address: str | None) -> None:
        _set_address(self.channels, TeamChannel, channel, address)


class PersonChannel(Base):
    """A person's address on one channel (Slack member id, mailbox, a plug-in's user id).

    One address per person and channel, so a message to a person has exactly one destination;
    an address belongs to one person, so an inbound message has exactly one sender.
    """

    __tablename__ = "person_channels"
    __table_args__ = (UniqueConstraint("channel", "address", name="uq_person_channels_address"),)

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    address: Mapped[str] = mapped_column(String(320))


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    channels: Mapped[list[PersonChannel]] = relationship(
        lazy="selectin", cascade="all, delete-orphan")
    role: Mapped[str] = mapped_column(String(16), default="requester")
    team_code: Mapped[str | None] = mapped_column(ForeignKey("teams.code"))
    language: Mapped[str] = mapped_column(String(8), default="es")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    vip: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def address(self, channel: str) -> str | None:
        """Where ``channel`` reaches this person, or None when the desk does not know it."""
        return next((c.address for c in self.channels if c.channel == channel), None)

    def set_address(self, channel: str, address: str | None) -> None:
        _set_address(self.channels, PersonChannel, channel, address)


def normal_address(address: str) -> str:
    """An address as stored: without surrounding blanks, and a mailbox (``name@host``) in
    lower case, because mail systems treat ``Ana@X.com`` and ``ana@x.com`` as one person."""
    address = address.strip()
    return address.lower() if "@" in address else address


def _set_address(rows: list[Any], row_type: type[Any], channel: str, address: str | None) -> None:
    """Replace (or, with None, forget) the one address a person or team has on ``channel``."""
    row = next((r for r in rows if r.channel == channel), None)
    address = normal_address(address) if address else None
    if not address:
        if row is not None:
            rows.remove(row)
    elif row is None:
        rows.append(row_type(channel=channel, address=address))
    else:
        row.address = address


class Counter(Base):
    """Next number per key prefix (INC, REQ, SEC): one row each, incremented under a row lock."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("kind", "number", name="uq_tickets_kind_number"),
        Index("ix_tickets_status_team", "status", "team_code"),
        Index("ix_tickets_thread", "channel", "channel_ref"),  # the ticket of a thread
        Index("ix_tickets_requester", "requester_id", "status"),
        Index("ix_tickets_assignee", "assignee_id", "status"),
        Index("ix_tickets_status_paused", "status", "paused_at"),
        Index("ix_tickets_status_resolved", "status", "resolved_at"),
        # Reports and the web dashboard read tickets by when they were opened.
        Index("ix_tickets_created_at", "created_at"),
        Index("ix_tickets_resolved_at", "resolved_at"),
        Index("ix_tickets_closed_at", "closed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(24), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # incident | request | security
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(32), default="other")
    impact: Mapped[str] = mapped_column(String(8), default="medium")
    urgency: Mapped[str] = mapped_column(String(8), default="medium")
    priority: Mapped[str] = mapped_column(String(2), default="P3")
    status: Mapped[str] = mapped_column(String(16), default="new")
    requester_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    team_code: Mapped[str | None] = mapped_column(ForeignKey("teams.code"))
    channel: Mapped[str] = mapped_column(String(16), default="console")
    channel_ref: Mapped[str | None] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(8), default="es")
    resolution: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_response_at: Mapped[datetime | None] = mapped_column()
    resolved_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    # SLA clock: due times are recomputed when the clock pauses and resumes.
    response_due_at: Mapped[datetime | None] = mapped_column(index=True)
    resolution_due_at: Mapped[datetime | None] = mapped_column(index=True)
    paused_at: Mapped[datetime | None] = mapped_column()
    paused_seconds: Mapped[int] = mapped_column(Integer, default=0)
    # When the SLA sweep next has something to check (a warning or a breach); NULL: nothing.
    sla_next_at: Mapped[datetime | None] = mapped_column(index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    requester: Mapped[Person] = relationship(foreign_keys=[requester_id], lazy="joined")
    assignee: Mapped[Person | None] = relationship(foreign_keys=[assignee_id], lazy="joined")

    __mapper_args__ = {"version_id_col": version}


class Watcher(Base):
    """A second technician invited to a ticket: told of its changes, may work it."""

    __tablename__ = "watchers"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class Event(Base):
    """Something that happened to a ticket. Never updated, never deleted."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("ticket_id", "seq", name="uq_events_ticket_seq"),
        Index("ix_events_type_at", "type", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))  # None = system
    type: Mapped[str] = mapped_column(String(32))
    visibility: Mapped[str] = mapped_column(String(8), default="public")  # public | internal
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)


class SurveyAnswer(Base):
    __tablename__ = "survey_answers"
    __table_args__ = (UniqueConstraint("ticket_id", "question_id", name="uq_survey_ticket_q"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    respondent_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    question_id: Mapped[str] = mapped_column(String(64))
    rating: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)


class SecurityRecord(Base):
    """The ISO 27001 incident record carried by every SEC- ticket (seed 004, 'Procedimiento')."""

    __tablename__ = "security_records"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    discovered_where: Mapped[str | None] = mapped_column(Text)
    discovered_by: Mapped[str | None] = mapped_column(String(200))
    discovered_at: Mapped[datetime | None] = mapped_column()
    discoverer_action: Mapped[str | None] = mapped_column(Text)  # reported / concealed / ...
    reported_to: Mapped[str | None] = mapped_column(String(200))
    report_written_at: Mapped[datetime | None] = mapped_column()
    severity: Mapped[str | None] = mapped_column(String(16))
    owner_learned_at: Mapped[datetime | None] = mapped_column()
    owner_action: Mapped[str | None] = mapped_column(Text)
    followup_by: Mapped[str | None] = mapped_column(String(200))
    followup_at: Mapped[datetime | None] = mapped_column()


class Deflection(Base):
    """A request answered by a knowledge-base article: no ticket was needed."""

    __tablename__ = "deflections"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    article_id: Mapped[str] = mapped_column(String(128))
    query: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8), default="es")
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class LearnedPhrasing(Base):
    """How an employee put a problem that an article turned out to answer: evidence the FAQ
    matcher counts like the article's own questions. Written when a suggestion is confirmed
    ("this solved it") or a technician resolves a ticket naming the article; an admin lists and
    removes them (``deskbot kb learned`` / ``kb forget``)."""

    __tablename__ = "learned_phrasings"
    __table_args__ = (UniqueConstraint("article_id", "folded", name="uq_learned_article_text"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[str] = mapped_column(String(128), index=True)
    text: Mapped[str] = mapped_column(Text)
    folded: Mapped[str] = mapped_column(String(500))  # the text folded: one row per wording
    source: Mapped[str] = mapped_column(String(16))  # confirmed | resolved
    language: Mapped[str] = mapped_column(String(8), default="es")
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class ProcessedEvent(Base):
    """Inbound deliveries already handled (Slack ``event_id``, email Message-ID): retries skip."""

    __tablename__ = "processed_events"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class Conversation(Base):
    """Where a person's conversation with the bot stands, so a restart loses nothing."""

    __tablename__ = "conversations"
    __table_args__ = (
        UniqueConstraint("channel", "ref", name="uq_conversations_channel_ref"),
        # the person's latest conversation: every top-level DM looks for one awaiting an answer
        Index("ix_conversations_person_recent", "person_id", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    ref: Mapped[str] = mapped_column(String(255))  # e.g. Slack channel:thread_ts, console user
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxMessage(Base):
    """A message to deliver, written in the same transaction as the change that causes it.

    ``recipient`` says whom (``{"type": "thread", "ticket": "INC-1"}``, ``{"type": "person",
    "person_id": 3}``, ``{"type": "team", "team": "L1"}``); ``template``/``context``/``language``
    say what, rendered by the delivering channel. ``key`` makes delivery idempotent.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    channel: Mapped[str] = mapped_column(String(16))  # slack | email | console
    recipient: Mapped[dict[str, Any]] = mapped_column(default=dict)
    template: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8), default="es")
    context: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column()


class Notice(Base):
    """A timed notice (SLA warning, breach, reminder) already sent; the key makes it once."""

    __tablename__ = "notices"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(48), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboxItem(Base):
    """A request from a channel, stored before it is acknowledged and worked from here.

    ``key`` is the channel's own id of the delivery (Slack ``event_id``, an interaction's
    ``trigger_id``): a re-sent delivery finds its key taken, which is the de-duplication.
    ``status``: ``pending`` (waiting, or waiting again after a failure until
    ``next_attempt_at``), ``working`` (a process holds it until ``next_attempt_at``, its lease,
    which it keeps extending while the work runs), ``done``, ``failed`` (gave up: the
    dead-letter state an admin re-queues), ``inline`` (answered during the request itself,
    recorded only).
    """

    __tablename__ = "inbox"
    __table_args__ = (Index("ix_inbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    channel: Mapped[str] = mapped_column(String(16))  # slack | email
    kind: Mapped[str] = mapped_column(String(32))  # event | command | interaction ...
    body: Mapped[str] = mapped_column(Text)  # as received, minus what the database cannot hold
    headers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    owner: Mapped[str | None] = mapped_column(String(128))
    last_error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column()


class TicketAlias(Base):
    """A key a ticket was known by before (INC-4 turned into SEC-2): still resolves to it."""

    __tablename__ = "ticket_aliases"

    key: Mapped[str] = mapped_column(String(24), primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Follower(Base):
    """An employee who has the same problem as the ticket's requester: told of public updates."""

    __tablename__ = "followers"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class TicketLink(Base):
    """Two tickets that belong together: ``related`` (both stay open) or ``merged`` (the first
    was closed into the second)."""

    __tablename__ = "ticket_links"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    other_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="related")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Attachment(Base):
    """A file shared with a ticket (Slack file, mail attachment): where it is, not its bytes."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int | None] = mapped_column(Integer)
    mimetype: Mapped[str | None] = mapped_column(String(128))
    url: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16), default="slack")
    source_ref: Mapped[str | None] = mapped_column(String(255))  # Slack file id, Message-ID
    added_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The file itself when the channel hands over its bytes (a mail's attachment; a Slack
    #: file stays in Slack, at ``url``). ``name`` is a label, never used as a path.
    data: Mapped[bytes | None] = mapped_column(LargeBinary)


class SavedReply(Base):
    """A saved reply written at run time by a lead (the ones in ``kb/replies/`` are files)."""

    __tablename__ = "saved_replies"
    __table_args__ = (UniqueConstraint("slug", "language", name="uq_saved_replies_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8), default="es")
    title: Mapped[str] = mapped_column(String(200))
    team: Mapped[str | None] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class KbDraft(Base):
    """A knowledge-base article drafted from a solved ticket, waiting for a lead to publish it."""

    __tablename__ = "kb_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    slug: Mapped[str] = mapped_column(String(128))
    language: Mapped[str] = mapped_column(String(8), default="es")
    category: Mapped[str] = mapped_column(String(32), default="other")
    title: Mapped[str] = mapped_column(String(200))
    questions: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"items": [...]}
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | published
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column()
    path: Mapped[str | None] = mapped_column(Text)


class SignInLink(Base):
    """A one-time sign-in link for the web pages: only its SHA-256 is kept, so a copy of the
    database cannot be used to sign in; ``used_at`` makes it single use."""

    __tablename__ = "sign_in_links"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()
