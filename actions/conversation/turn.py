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
from typing import Any, cast

from sqlalchemy import Table, bindparam, select

from actions.attachments import FileRef, attach_in_thread
from actions.common import now
from actions.conversation.dialogue import handle_message, understand
from actions.dedupe import first_delivery
from actions.messages import Messages
from actions.services import Services
from actions.views import PersonView
from store.errors import DeskError
from store.models import Conversation, OutboxMessage, Ticket
from store.repositories import person_row_query, person_table
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
    #: Who wrote, as (channel, address), when the channel knows it before ``who`` runs (a
    #: Slack user id): with ``follow_up``, the person and their waiting conversation are read
    #: in one statement, and ``who`` finds the person read already.
    sender: tuple[str, str] | None = None


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
        read = _sender_and_waiting(uow, inbound)
        person = who()
        ref, followed = inbound.ref, False
        if inbound.follow_up:
            if read is not None and read[0] == person.id:  # read with the person: no statement
                waiting = _answered(read[1], read[2])
            else:
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
    return _answered(row.ref, row.state) if row is not None else None


def _answered(ref: str | None, state: dict[str, Any] | None) -> str | None:
    """``ref`` when its conversation's state awaits a free-text answer."""
    awaiting = ((state or {}).get("slots") or {}).get("awaiting")
    if ref is None or not awaiting or awaiting not in FREE_TEXT_ANSWERS:
        return None
    return ref


_LATEST = cast(Table, Conversation.__table__).alias("latest")


def _latest(column: Any) -> Any:
    """``column`` of the person's latest conversation under the prefix changed since then
    (``_WAITING``, correlated with the person's row; ties go to the newer conversation, so the
    ref and the state read side by side are of the same one)."""
    return (select(column).where(_LATEST.c.channel == bindparam("follow_channel"),
                                 _LATEST.c.ref.startswith(bindparam("prefix")),
                                 _LATEST.c.person_id == person_table.c.id,
                                 _LATEST.c.updated_at >= bindparam("since"))
            .order_by(_LATEST.c.updated_at.desc(), _LATEST.c.id.desc()).limit(1)
            .scalar_subquery())


#: The sender with their waiting conversation's ref and state: one round trip where two were.
_SENDER_WAITING = person_row_query.add_columns(
    _latest(_LATEST.c.ref).label("waiting_ref"), _latest(_LATEST.c.state).label("waiting_state"))


def _sender_and_waiting(uow: UnitOfWork, inbound: Inbound,
                        ) -> tuple[int, str | None, dict[str, Any] | None] | None:
    """For a message that may answer a question asked elsewhere from a sender the channel
    named: the person (remembered for ``who``, whose lookup then costs no statement) and
    their latest waiting conversation, in one statement. (person id, ref, state), or None
    when the sender is unknown or nothing is to be looked up."""
    if not inbound.follow_up or inbound.sender is None:
        return None
    channel, address = inbound.sender
    rows = uow.people.read_known(channel, address, _SENDER_WAITING, {
        "follow_channel": inbound.channel, "prefix": inbound.follow_up,
        "since": now() - FOLLOW_UP})
    if not rows:
        return None
    return rows[0].id, rows[0].waiting_ref, rows[0].waiting_state


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
