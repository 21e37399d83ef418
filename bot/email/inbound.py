"""The email channel's inbound adapter: raw bytes in, one use case call, an SMTP-style verdict out.

Parsing (``parse``) turns the bytes into a ``Mail``; ``actions.email.intake.receive`` does the
work in the database (ticket, comment, survey answer, the answer mail in the outbox, the
de-duplication key: see there). Both the SMTP server and the IMAP poller call ``receive`` here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from actions.email.intake import receive
from actions.email.mail import MailRefused, Outcome
from actions.services import Services
from bot.email.parse import Unreadable, parse_mail
from store.errors import DeskError

log = logging.getLogger(__name__)


class Refused(Exception):
    """The desk will not take this message; ``smtp`` is the reply line (``550 5.6.0 ...``)."""

    def __init__(self, smtp: str) -> None:
        super().__init__(smtp)
        self.smtp = smtp


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome

    def smtp(self) -> str:
        o = self.outcome
        text = {"opened": f"ticket {o.key} opened",
                "commented": f"comment added to {o.key}",
                "answered": f"answered{' on ' + o.key if o.key else ''}",
                "duplicate": "already received",
                "ignored": f"accepted, no action ({o.detail})"}[o.action]
        return f"250 2.0.0 OK: {text}"


class EmailIntake:
    """Turns raw messages into desk actions. Thread-safe: each call uses its own transactions."""

    def __init__(self, services: Services, *, own_addresses: tuple[str, ...] = ()) -> None:
        self.services = services
        self.own = tuple(a.lower() for a in own_addresses if a)

    def receive(self, raw: bytes, envelope_from: str | None = None) -> Outcome:
        try:
            mail = parse_mail(raw, envelope_from)
        except Unreadable as exc:
            raise Refused(f"550 5.6.0 {exc}") from exc
        try:
            return receive(self.services, mail, own_addresses=self.own)
        except MailRefused as exc:
            raise Refused(f"550 {exc.code} {exc.reason}"[:400]) from exc
        except DeskError as exc:
            reason = self.services.plain.error(exc, "en").replace("\n", " ")
            raise Refused(f"550 5.6.0 {reason}"[:400]) from exc
