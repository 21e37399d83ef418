"""Which ticket a message continues.

A reply is recognised by a ticket key in the subject (``[INC-12]``), by In-Reply-To/References
naming one of the desk's own mails (their Message-ID carries the key), or by naming the ticket's
original message (its ``channel_ref``). A ticket's conversation by mail is keyed by that original
Message-ID, so every reply continues the same conversation state.

Before any ticket exists the desk may still have asked something by mail ("what happened?",
"what isn't working?"). A reply to that question continues the conversation that asked it
(``find_conversation``), so it is read as the answer, not as a new request: found by the
conversation's Message-ID in the reply's References, by the desk's answer it replies to (its
Message-ID carries a digest of the answer's outbox key, whose row names the conversation), or,
when a mail client kept no headers, by a "Re:" of the same subject to a question still open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from actions.common import now
from actions.email.ids import answer_digest, key_digest, key_in_desk_id, key_in_subject
from actions.email.mail import Mail
from store.errors import NotFound
from store.models import Conversation, OutboxMessage, Ticket
from store.uow import UnitOfWork

#: How far back a reply's "Re:" subject alone (no thread headers) finds an open question, and
#: how many of the person's recent answers are looked through for the one a reply names.
SUBJECT_WINDOW = timedelta(days=7)
RECENT_ANSWERS = 200
MAX_IDS = 30


@dataclass(frozen=True)
class Thread:
    """The ticket a reply belongs to, as the intake needs it."""

    key: str
    status: str
    channel: str
    channel_ref: str | None
    requester_id: int

    @classmethod
    def of(cls, ticket: Ticket) -> Thread:
        return cls(ticket.key, ticket.status, ticket.channel, ticket.channel_ref,
                   ticket.requester_id)


def find_thread(uow: UnitOfWork, mail: Mail) -> Thread | None:
    """The ticket this message continues, if any."""
    with uow:
        ids = [*mail.in_reply_to, *reversed(mail.references)]
        candidates = [key_in_subject(mail.subject), *(key_in_desk_id(i) for i in ids)]
        for key in filter(None, candidates):
            try:
                return Thread.of(uow.tickets.get(key))
            except NotFound:
                continue
        for message_id in ids:
            ticket = uow.tickets.by_channel_ref("email", message_id)
            if ticket is not None:
                return Thread.of(ticket)
    return None


def find_conversation(uow: UnitOfWork, mail: Mail, *, person_id: int, subject: str,
                      is_reply: bool) -> str | None:
    """The ref of the person's mail conversation this message continues, if any.

    ``subject`` is the cleaned subject; ``is_reply`` says it began with "Re:" (or the like).
    Only the person's own conversations are continued: someone else's reply is a new request.
    """
    with uow:
        # the nearest ones: a (hostile) mail may name any number of messages
        ids = [*mail.in_reply_to, *reversed(mail.references)][:MAX_IDS]
        found = _conversation_named(uow, ids, person_id)
        if found is None:
            found = _conversation_of_answer(uow, ids, person_id)
        if found is None and is_reply and subject:
            found = _conversation_by_subject(uow, subject, person_id)
        return found


def _conversation_named(uow: UnitOfWork, ids: list[str], person_id: int) -> str | None:
    if not ids:
        return None
    refs = set(uow.session.scalars(select(Conversation.ref).where(
        Conversation.channel == "email", Conversation.ref.in_(ids),
        Conversation.person_id == person_id)))
    return next((i for i in ids if i in refs), None)


def _conversation_of_answer(uow: UnitOfWork, ids: list[str], person_id: int) -> str | None:
    """The conversation of the desk's answer the reply names: the answer's row holds the
    References it was sent with, the conversation's own Message-ID first."""
    wanted = {d for d in (answer_digest(i) for i in ids) if d}
    if not wanted:
        return None
    rows = uow.session.execute(
        select(OutboxMessage.key, OutboxMessage.context)
        .where(OutboxMessage.key.startswith(f"email-answer:{person_id}:"),
               OutboxMessage.channel == "email")
        .order_by(OutboxMessage.id.desc()).limit(RECENT_ANSWERS))
    for key, context in rows:
        if key_digest(key) in wanted:
            reply = (context or {}).get("reply") or {}
            named = [str(r) for r in reply.get("references") or []]
            return _conversation_named(uow, list(reversed(named)), person_id)
    return None


def _conversation_by_subject(uow: UnitOfWork, subject: str, person_id: int) -> str | None:
    """A "Re:" of the subject of a recent conversation whose question is still open."""
    rows = uow.session.scalars(
        select(Conversation)
        .where(Conversation.channel == "email", Conversation.person_id == person_id,
               Conversation.updated_at >= now() - SUBJECT_WINDOW)
        .order_by(Conversation.updated_at.desc()).limit(20))
    for row in rows:
        state = row.state or {}
        if (state.get("slots") or {}).get("awaiting") \
                and str((state.get("channel") or {}).get("subject") or "").casefold() \
                == subject.casefold():
            return row.ref
    return None
