"""The last step of a mail's turn: keep its files and queue the answer.

The answer is one outbox row (template ``turn``) holding the conversation's replies, the ticket
and the message it answers, so the email channel renders one mail that threads under the
sender's own. It is written in the mail's turn, so it commits with the ticket (or comment) and
the Message-ID, or not at all.

At most ``email.max_answers_per_hour`` answers go to one sender per hour: a person (or a
misbehaving program) writing in a loop gets their tickets and comments, not a flood of mail.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from actions.attachments import FileInfo, screen, store_files
from actions.common import now, view
from actions.email.mail import EmailSettings, Mail
from actions.services import Services
from store.models import OutboxMessage
from store.uow import UnitOfWork

log = logging.getLogger(__name__)


def answer_key(person_id: int, message_id: str) -> str:
    return f"email-answer:{person_id}:{message_id}"[:255]


def finish(services: Services, mail: Mail, *, person_id: int, ticket_key: str | None,
           messages: list[dict[str, Any]], answer: bool = True,
           conversation: str | None = None) -> list[FileInfo]:
    """In the mail's turn: the files on the ticket, and the answer when there is one.

    ``conversation`` is the Message-ID the mail's conversation is keyed by: the answer's
    References start with it, so a reply to the answer finds the conversation again."""
    limits = EmailSettings.of(services.settings)
    with services.uow() as uow:
        person = uow.people.get(person_id)
        ticket = uow.tickets.get(ticket_key) if ticket_key else None
        files: list[FileInfo] = []
        if mail.files:
            screened = screen(mail.files, max_bytes=limits.attachment_max_bytes,
                              max_files=limits.max_attachments)
            files = store_files(uow, ticket, person, screened, source="email",
                                source_ref=mail.message_id) if ticket \
                else [info for info, _ in screened]
        if answer and messages and _allowed(uow, person_id, limits.max_answers_per_hour):
            shown = view(uow, ticket, related=False).as_context() if ticket else None
            uow.outbox.add(OutboxMessage(
                key=answer_key(person_id, mail.message_id), channel="email",
                recipient={"type": "person", "person_id": person_id, "role": "requester"},
                template="turn", language=person.language,
                ticket_id=ticket.id if ticket else None,
                context=_context(mail, person.timezone, shown, conversation, messages=messages,
                                 articles=_articles(services, messages),
                                 files=[f.__dict__ for f in files])))
        uow.commit()
    return files


def _context(mail: Mail, timezone: str, ticket: dict[str, Any] | None,
             conversation: str | None, *, messages: list[dict[str, Any]],
             articles: list[dict[str, Any]], files: list[dict[str, Any]]) -> dict[str, Any]:
    root = [conversation] if conversation else []
    return {
        "messages": messages,
        "ticket": ticket,
        "reply": {"message_id": mail.message_id, "subject": mail.subject[:300],
                  "references": list(dict.fromkeys([*root, *mail.references[-8:],
                                                    mail.message_id]))},
        "articles": articles, "files": files, "timezone": timezone,
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


def _articles(services: Services, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
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
