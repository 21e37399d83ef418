"""Which ticket a message continues, and the services a mail's turn runs with.

A reply is recognised by a ticket key in the subject (``[INC-12]``), by In-Reply-To/References
naming one of the desk's own mails (their Message-ID carries the key), or by naming the ticket's
original message (its ``channel_ref``). A ticket's conversation by mail is keyed by that original
Message-ID, so every reply continues the same conversation state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields

from actions.email.ids import key_in_desk_id, key_in_subject
from actions.email.mail import Mail
from actions.services import Services
from store.errors import NotFound
from store.models import ProcessedEvent, Ticket
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


def seen(services: Services, key: str) -> bool:
    with services.uow() as uow:
        return uow.session.get(ProcessedEvent, key) is not None


_MINE = "deskbot_mail_stamped"


class AlreadyProcessed(Exception):
    """The same message was handled by another delivery while this one was working."""


@dataclass
class StampingServices(Services):
    """The desk's services, except that the first commit of the turn that changes a ticket also
    records the message as processed: the ticket (or comment) and the de-duplication key are
    one transaction, so a retry after a crash before it does the work, and after it does not."""

    stamp_key: str = ""
    stamped: bool = False
    #: Also run inside the stamping transaction (the intake reserves the answer there).
    on_stamp: Callable[[UnitOfWork], None] | None = None

    @classmethod
    def around(cls, services: Services, key: str) -> StampingServices:
        shared = {f.name: getattr(services, f.name) for f in fields(Services)}
        return cls(**shared, stamp_key=key)  # the same engine, caches and delivery callbacks

    def uow(self) -> UnitOfWork:
        uow = super().uow()
        uow.before_commit(self._stamp)
        return uow

    def _stamp(self, uow: UnitOfWork) -> None:
        loaded = uow.session.identity_map.values()
        if self.stamped or not any(isinstance(o, Ticket) for o in loaded):
            return
        self.stamp(uow)

    def stamp(self, uow: UnitOfWork) -> None:
        """Record the message in ``uow``'s transaction (once per turn). Raises
        ``AlreadyProcessed`` (rolling the transaction back) when another delivery of the same
        message got there first."""
        if self.stamped or uow.session.info.get(_MINE):
            return
        if uow.session.get(ProcessedEvent, self.stamp_key) is not None:
            raise AlreadyProcessed(self.stamp_key)
        uow.session.add(ProcessedEvent(key=self.stamp_key))
        uow.session.flush()
        uow.session.info[_MINE] = True
        if self.on_stamp is not None:
            self.on_stamp(uow)
        uow.after_commit(self._committed)

    def _committed(self, uow: UnitOfWork) -> None:
        self.stamped = True
