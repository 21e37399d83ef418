"""One inbound message, one unit of work: the conversation turn as every chat channel runs it.

A channel adapter parses and verifies what arrived, acknowledges it, and calls ``converse`` with
an ``Inbound``. Everything the turn changes commits once: the delivery's dedupe key, the person
(registered on first sight), the conversation state, whatever the chosen action wrote, and the
replies as outbox rows. The replies are sent right after that commit by the channel's deliverer
(registered with ``Services.deliver_inline``); if the process dies first, the outbox worker sends
them later, once. A crash before the commit leaves nothing, so the channel's retry does the work.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, select

from actions.attachments import FileRef, attach_in_thread
from actions.common import now
from actions.conversation.dialogue import handle_message, understand
from actions.dedupe import first_delivery
from actions.messages import Messages
from actions.services import Services
from actions.views import PersonView
from store.errors import DeskError
from store.models import Conversation, OutboxMessage, Ticket
from store.uow import UnitOfWork

log = logging.getLogger(__name__)

#: How long a question the bot asked in a conversation stays open to an answer written outside
#: it (a DM answered in the channel instead of in the thread).
FOLLOW_UP = timedelta(minutes=30)
#: Questions whose answer is free text: whatever the person writes next answers them. A yes or
#: a no written outside the conversation answers nothing there: "ok" as a new DM must not
#: confirm the suggestions of an earlier problem (a deflection counted for nothing).
FREE_TEXT_ANSWERS = frozenset({"survey_comment", "security", "description", "detail",
                               "handover", "security_description"})


@dataclass(frozen=True)
class Inbound:
    """What a person wrote, as the channel adapter understood it."""

    channel: str  # the outbox channel that answers ("slack", "chat", ...)
    ref: str  # the conversation's identity in that channel (Slack: "<channel>:<thread ts>")
    text: str
    messages: Messages  # the flavour replies are rendered in
    dedupe_key: str | None = None  # the delivery's id: a repeat does nothing
    #: A ref prefix: a message that answers a question the bot asked recently in another
    #: conversation starting with it continues that conversation (a DM outside its thread).
    follow_up: str | None = None
    #: The thread a ticket opened in this turn belongs to, when it is not ``ref`` itself (the
    #: console keeps one conversation per person and numbers its ticket threads).
    thread_ref: str | None = None
    #: Files shared with the message: recorded on the thread's ticket in the same commit.
    files: tuple[FileRef, ...] = ()
    #: The message opens its own thread (a Slack DM outside any thread: ``ref`` is named after
    #: it). Nothing can be stored under ``ref`` yet, so the turn looks up neither a state nor
    #: a ticket of that thread: two reads less on the most common turn.
    starts_thread: bool = False


@dataclass(frozen=True)
class TurnResult:
    person: PersonView
    ref: str  # the conversation that answered (may be a followed-up one)
    replies: list[dict[str, Any]]


def converse(services: Services, inbound: Inbound, who: Callable[[], PersonView],
             ) -> TurnResult | None:
    """Run one turn; None when the delivery was worked before (the retry of a done turn).

    ``who`` resolves the person inside the turn (the channel's profile lookup plus
    ``actions.people.ensure_person``), so a first-time person is registered in the same commit.
    """
    parsed = understand(services, inbound.text)  # outside the transaction: CPU only
    with services.turn() as uow:
        if inbound.dedupe_key and not first_delivery(uow, inbound.dedupe_key):
            return None
        person = who()
        ref, followed = inbound.ref, False
        if inbound.follow_up:
            waiting = waiting_conversation(uow, channel=inbound.channel,
                                           prefix=inbound.follow_up, person_id=person.id,
                                           parsed=parsed)
            if waiting is not None and waiting != ref:
                ref, followed = waiting, True
        thread = ref if followed else (inbound.thread_ref or ref)
        replies = handle_message(services, channel=inbound.channel, ref=ref,
                                 person_id=person.id, text=inbound.text,
                                 messages=inbound.messages, thread_ref=thread, parsed=parsed,
                                 fresh=inbound.starts_thread and not followed)
        if inbound.files:
            _keep_files(services, inbound, thread_ref=thread, person_id=person.id)
        queue_replies(uow, channel=inbound.channel, ref=ref, person_id=person.id,
                      replies=replies, key=inbound.dedupe_key, broadcast=followed,
                      new_key=True)  # the dedupe key recorded above, or a fresh uuid
        uow.commit()
    return TurnResult(person=person, ref=ref, replies=replies)


def queue_replies(uow: UnitOfWork, *, channel: str, ref: str, person_id: int,
                  replies: list[dict[str, Any]], key: str | None = None,
                  broadcast: bool = False, new_key: bool = False) -> None:
    """Queue what the desk answers in conversation ``ref`` as one outbox row of this unit of
    work: it exists if and only if the turn commits, and the channel's deliverer sends it right
    after the commit (the outbox worker, if the process dies first). ``key`` is the inbound
    delivery's id when the channel has one, so a repeat queues nothing twice. ``new_key``: this
    transaction recorded ``key`` itself (or there is none), so no row can have it yet and
    nothing is looked up."""
    if not replies:
        return
    language = uow.people.row(person_id).language  # as a use case of the turn left it
    uow.outbox.add(OutboxMessage(
        key=f"reply:{key or uuid.uuid4().hex}", channel=channel,
        recipient={"type": "reply", "ref": ref, "person_id": person_id, "broadcast": broadcast},
        template="reply", language=language, context={"replies": replies}),
        new_key=new_key or key is None)


def _keep_files(services: Services, inbound: Inbound, *, thread_ref: str,
                person_id: int) -> None:
    """Files shared in a ticket's thread join that ticket, in the turn's commit. A refusal
    (the writer is no party to the ticket) undoes only this part: the message is still
    answered."""
    try:
        attach_in_thread(services.uow(), channel=inbound.channel, thread_ref=thread_ref,
                         actor_id=person_id, files=inbound.files, source=inbound.channel)
    except DeskError as error:
        log.info("files in %s not kept: %s", thread_ref, error)


#: Two columns, no entity, built once: every top-level DM asks this.
_WAITING = (select(Conversation.ref, Conversation.state)
            .where(Conversation.channel == bindparam("channel"),
                   Conversation.ref.startswith(bindparam("prefix")),
                   Conversation.person_id == bindparam("person_id"),
                   Conversation.updated_at >= bindparam("since"))
            .order_by(Conversation.updated_at.desc()).limit(1))


def waiting_conversation(uow: UnitOfWork, *, channel: str, prefix: str, person_id: int,
                         parsed: dict[str, Any] | None) -> str | None:
    """The person's conversation under ``prefix`` where the bot recently asked something this
    message answers, if any.

    People often answer outside the thread (a survey comment, what does not work). Without
    this the answer would start a new conversation that knows nothing of the question. Only
    free-text answers continue a conversation this way; a yes or a no answers only where it
    was asked, and a new problem starts its own conversation.
    """
    row = uow.session.execute(_WAITING, {
        "channel": channel, "prefix": prefix, "person_id": person_id,
        "since": now() - FOLLOW_UP}).first()
    awaiting = ((row.state or {}).get("slots") or {}).get("awaiting") if row else None
    if row is None or not awaiting:
        return None
    if awaiting not in FREE_TEXT_ANSWERS:
        return None
    return row.ref


def known_conversation(services: Services, *, channel: str, ref: str) -> bool:
    """Whether ``ref`` is a conversation or a ticket's thread the desk owns (in channels the
    bot only answers threads it already owns)."""
    with services.uow() as uow:
        found = uow.session.scalar(select(Conversation.id).where(
            Conversation.channel == channel, Conversation.ref == ref).limit(1))
        if found is None:
            found = uow.session.scalar(select(Ticket.id).where(
                Ticket.channel == channel, Ticket.channel_ref == ref).limit(1))
        return found is not None
