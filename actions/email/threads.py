"""Which ticket a message continues.

A reply is recognised by a ticket key in the subject (``[INC-12]``), by In-Reply-To/References
naming one of the desk's own mails (their Message-ID carries the key), or by naming the ticket's
original message (its ``channel_ref``). A ticket's conversation by mail is keyed by that original
Message-ID, so every reply continues the same conversation state.
"""

from __future__ import annotations

from dataclasses import dataclass

from actions.email.ids import key_in_desk_id, key_in_subject
from actions.email.mail import Mail
from store.errors import NotFound
from store.models import Ticket
from store.uow import UnitOfWork


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
