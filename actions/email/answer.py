"""The answer to a mail: reserved with the work, filled in at the end of the turn.

The answer is one outbox row (template ``turn``) holding the conversation's replies, the ticket
and the message it answers, so the email channel renders one mail that threads under the
sender's own. The conversation commits more than once, so the row is *reserved* in the same
transaction as the ticket (or comment) and the de-duplication key, due only after ``GRACE``;
the turn's last step (``finish``) fills in the replies and makes it due at once. If the process
dies in between, the reserved row still goes out after the grace period, as a plain
acknowledgement: a ticket is never opened without the sender hearing of it.

At most ``email.max_answers_per_hour`` answers go to one sender per hour: a person (or a
misbehaving program) writing in a loop gets their tickets and comments, not a flood of mail.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from actions.attachments import FileInfo, attach, screen
from actions.common import now
from actions.email.mail import EmailSettings, Mail
from actions.email.threads import StampingServices
from actions.notify import ticket_context
from store.models import OutboxMessage, Ticket
from store.uow import UnitOfWork

log = logging.getLogger(__name__)

GRACE = timedelta(seconds=60)


def answer_key(person_id: int, message_id: str) -> str:
    return f"email-answer:{person_id}:{message_id}"[:255]


def reserve(uow: UnitOfWork, mail: Mail, *, person_id: int, limit: int) -> None:
    """Inside the work's transaction: the answer, due after ``GRACE`` unless filled in."""
    tickets = [o for o in uow.session.identity_map.values() if isinstance(o, Ticket)]
    if not tickets or not _allowed(uow, person_id, limit):
        return
    ticket, person = tickets[0], uow.people.get(person_id)
    uow.outbox.add(OutboxMessage(
        key=answer_key(person_id, mail.message_id), channel="email",
        recipient={"type": "person", "person_id": person_id, "role": "requester"},
        template="turn", language=person.language, ticket_id=ticket.id,
        next_attempt_at=now() + GRACE,
        context=_context(mail, person.timezone, ticket, messages=[], articles=[], files=[],
                         fallback="opened" if ticket.channel_ref == mail.message_id
                         else "received")))


def finish(services: StampingServices, mail: Mail, *, person_id: int, ticket_key: str | None,
           messages: list[dict[str, Any]], answer: bool = True) -> list[FileInfo]:
    """One transaction: the files on the ticket, the answer filled in (or queued, or withdrawn
    when there is nothing to say), the message stamped if no earlier commit did."""
    limits = EmailSettings.of(services.settings)
    services.on_stamp = None  # the answer is written here, not reserved
    with services.uow() as uow:
        person = uow.people.get(person_id)
        ticket = uow.tickets.get(ticket_key) if ticket_key else None
        files: list[FileInfo] = []
        if mail.files:
            screened = screen(mail.files, max_bytes=limits.attachment_max_bytes,
                              max_files=limits.max_attachments)
            files = attach(uow, ticket, person, screened, source="email") if ticket \
                else [info for info, _ in screened]
        services.stamp(uow)
        key = answer_key(person_id, mail.message_id)
        reserved = uow.session.scalar(select(OutboxMessage).where(OutboxMessage.key == key))
        wanted = answer and bool(messages)
        context = _context(mail, person.timezone, ticket, messages=messages,
                           articles=_articles(services, messages) if wanted else [],
                           files=[f.__dict__ for f in files])
        if reserved is not None and reserved.status == "pending":
            if wanted:
                reserved.context, reserved.language = context, person.language
                reserved.ticket_id = ticket.id if ticket else None
                reserved.next_attempt_at = now()
                uow.outbox.queued += 1  # wakes the delivery worker after the commit
            else:
                uow.session.delete(reserved)
        elif reserved is None and wanted \
                and _allowed(uow, person_id, limits.max_answers_per_hour):
            uow.outbox.add(OutboxMessage(
                key=key, channel="email",
                recipient={"type": "person", "person_id": person_id, "role": "requester"},
                template="turn", language=person.language,
                ticket_id=ticket.id if ticket else None, context=context))
        uow.commit()
    return files


def _context(mail: Mail, timezone: str, ticket: Ticket | None, *,
             messages: list[dict[str, Any]], articles: list[dict[str, Any]],
             files: list[dict[str, Any]], fallback: str = "") -> dict[str, Any]:
    return {
        "messages": messages,
        "ticket": ticket_context(ticket) if ticket else None,
        "reply": {"message_id": mail.message_id, "subject": mail.subject[:300],
                  "references": [*mail.references[-8:], mail.message_id]},
        "articles": articles, "files": files, "timezone": timezone, "fallback": fallback,
    }


def _allowed(uow: UnitOfWork, person_id: int, limit: int) -> bool:
    since = now() - timedelta(hours=1)
    sent = uow.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.key.like(f"email-answer:{person_id}:%"),
        OutboxMessage.created_at >= since)) or 0
    if sent >= limit:
        log.warning("person %s reached %s answers by mail this hour: no answer sent",
                    person_id, limit)
        return False
    return True


def _articles(services: StampingServices, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The suggested articles with a short excerpt, numbered as the answer lists them."""
    from actions.conversation.faq import body_for, find_article

    out: list[dict[str, Any]] = []
    for message in messages:
        custom = message.get("custom") or {}
        if custom.get("kind") != "faq_suggestions":
            continue
        for number, found in enumerate(custom.get("suggestions") or [], start=1):
            article = find_article(services, str(found.get("article_id")))
            if article is not None:
                out.append({"number": number, "id": article.id, "title": article.title,
                            "excerpt": " ".join(body_for(article, "plain",
                                                         excerpt=True).split())})
    return out
