"""An inbound message becomes a ticket, or a comment on the ticket it replies to.

A reply is recognised by a ticket key in the subject (``[INC-12]``), or by In-Reply-To/References
naming the ticket's original message (its ``channel_ref``) or one of the desk's notifications.
Anything else opens a ticket (004 requirement 1: requests arrive by several channels and become
tickets). The sender is the person with that address, created as a requester the first time.

Mail servers retry, so every message is remembered in ``processed_events`` under
``email:<Message-ID>`` *in the same transaction* as the ticket or comment it produced: a retry
(even one racing the first delivery on another process) finds the key and does nothing, and a
failure leaves no key behind, so the retry does the work.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from actions.dedupe import first_delivery, seen
from actions.intake import NewTicket, open_ticket
from actions.people import ensure_person
from actions.text import MAX_TEXT
from actions.work import comment
from bot.email.ids import SUBJECT_KEY, dedupe_key, key_in_desk_id, key_in_subject
from bot.email.parse import InboundMail, Unreadable, parse_mail
from store.errors import DeskError, IllegalTransition, NotFound, RoleRefused

log = logging.getLogger(__name__)

_REPLY_PREFIX = ("re:", "fw:", "fwd:", "rv:", "res:", "resp:", "aw:", "wg:")


class MailRefused(Exception):
    """The desk will not take this message; ``smtp`` is the reply line (``550 5.6.0 ...``)."""

    def __init__(self, smtp: str) -> None:
        super().__init__(smtp)
        self.smtp = smtp


@dataclass(frozen=True)
class Outcome:
    action: str  # opened | commented | duplicate | ignored
    key: str | None = None
    detail: str = ""

    def smtp(self) -> str:
        text = {"opened": f"ticket {self.key} opened",
                "commented": f"comment added to {self.key}",
                "duplicate": "already received",
                "ignored": f"accepted, no action ({self.detail})"}[self.action]
        return f"250 2.0.0 OK: {text}"


class EmailIntake:
    """Turns raw messages into desk actions. Thread-safe: each call uses its own transactions."""

    def __init__(self, services: Any, *, own_addresses: tuple[str, ...] = ()) -> None:
        self.services = services
        self.own = {a.lower() for a in own_addresses}

    def receive(self, raw: bytes, envelope_from: str | None = None) -> Outcome:
        try:
            mail = parse_mail(raw, envelope_from)
        except Unreadable as exc:
            raise MailRefused(f"550 5.6.0 {exc}") from exc
        if mail.automatic or mail.sender in self.own:
            return Outcome("ignored", detail="automatic message")
        message_id = mail.message_id or _digest_id(raw)
        key = dedupe_key(message_id)
        if seen(self.services.uow(), key):
            return Outcome("duplicate")
        # One unit of work: the Message-ID (taken first, so the same message delivered twice
        # at once is worked once), the person, the comment or ticket and the notices.
        with self.services.turn() as turn:
            if not first_delivery(turn, key):
                return Outcome("duplicate")
            outcome = self._act(mail, message_id)
            if outcome.action in ("commented", "opened"):
                turn.commit()
            return outcome

    def _act(self, mail: InboundMail, message_id: str) -> Outcome:
        from nlu.language import detect_language

        settings = self.services.settings
        text = _fit(mail.text)
        language = detect_language(f"{mail.subject}\n{text}", settings.language)
        person = ensure_person(self.services.uow(), email=mail.sender, name=mail.sender_name,
                               language=language, default_language=settings.language)
        ticket_key = self._thread_of(mail)
        if ticket_key:
            if not text:
                return Outcome("ignored", ticket_key, "nothing new in the reply")
            try:
                comment(self.services.uow(), key=ticket_key, actor_id=person.id, text=text)
                return Outcome("commented", ticket_key)
            except IllegalTransition:
                pass  # closed or cancelled: the message starts a new ticket
            except RoleRefused as exc:
                raise MailRefused(f"550 5.7.1 {person.email} may not comment on "
                                  f"{ticket_key}") from exc
        subject = _clean_subject(mail.subject)
        description = text or subject
        if not description:
            raise MailRefused("550 5.6.0 empty message: please write what happened")
        try:
            view = open_ticket(self.services.uow(), settings, NewTicket(
                requester_id=person.id, description=description, title=subject[:200] or None,
                channel="email", channel_ref=message_id,
                language=detect_language(f"{subject}\n{text}", person.language)))
        except DeskError as exc:
            reason = self.services.plain.error(exc, "en").replace("\n", " ")
            raise MailRefused(f"550 5.6.0 {reason}"[:400]) from exc
        return Outcome("opened", view.key)

    def _thread_of(self, mail: InboundMail) -> str | None:
        """The ticket this message continues, if any."""
        with self.services.uow() as uow:
            candidates = [key_in_subject(mail.subject)]
            ids = [*mail.in_reply_to, *reversed(mail.references)]
            candidates += [key_in_desk_id(i) for i in ids]
            for key in filter(None, candidates):
                try:
                    return uow.tickets.get(key).key
                except NotFound:
                    continue
            for message_id in ids:
                ticket = uow.tickets.by_channel_ref("email", message_id)
                if ticket is not None:
                    return ticket.key
        return None


def _clean_subject(subject: str) -> str:
    """``RE: Fwd: [INC-3] Printer`` -> ``Printer``."""
    text = SUBJECT_KEY.sub("", subject).strip()
    while text.lower().startswith(_REPLY_PREFIX):
        text = text.split(":", 1)[1].strip()
    return " ".join(text.split())


def _fit(text: str) -> str:
    """Long mails are kept up to the desk's limit rather than refused."""
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT - 1].rstrip() + "…"


def _digest_id(raw: bytes) -> str:
    """A stable id for a message that has no Message-ID: the same bytes, the same id."""
    return f"<{hashlib.sha256(raw).hexdigest()}@no-message-id.invalid>"
