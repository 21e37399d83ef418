"""Notifications by email: the outbox ``Deliverer`` of the ``email`` channel.

Each outbox message is rendered from ``notify.<event type>`` in the plain flavour, in the
recipient's language, under a subject that carries the ticket key (``[INC-12] ...``, which is how
replies find their ticket again), and sent by SMTP. Headers make it a reply in the requester's own
thread when the ticket arrived by email (In-Reply-To/References = the ticket's ``channel_ref``),
and the Message-ID is derived from the outbox key, so a re-delivery is the same message.

SMTP outcomes map to the outbox's retry rules: a 4xx reply or a connection problem is temporary
(retry later); a 5xx reply (unknown mailbox, refused sender, message rejected) is permanent.

Configuration comes from the environment: ``DESKBOT_SMTP_HOST`` (default ``localhost``; ``off``
disables email), ``DESKBOT_SMTP_PORT`` (25), ``DESKBOT_SMTP_FROM`` (``deskbot@localhost``, may be
``Name <address>``), and optionally ``DESKBOT_SMTP_USER``/``DESKBOT_SMTP_PASSWORD`` and
``DESKBOT_SMTP_STARTTLS=1``.
"""

from __future__ import annotations

import os
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, parseaddr
from typing import Any, Protocol

from actions.email.ids import outbound_id, thread_root
from actions.outbox import DeliveryError, OutboxItem
from actions.services import Services
from bot.email.render import MailRenderer, Rendered

DISABLED = {"", "off", "none", "disabled", "false", "0"}


@dataclass(frozen=True)
class SmtpConfig:
    host: str = "localhost"
    port: int = 25
    sender: str = "deskbot@localhost"
    sender_name: str = ""
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 30.0

    @property
    def domain(self) -> str:
        return self.sender.rpartition("@")[2] or "localhost"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SmtpConfig | None:
        """None when ``DESKBOT_SMTP_HOST`` is set to ``off`` (or empty): no email channel."""
        env = os.environ if env is None else env
        host = env.get("DESKBOT_SMTP_HOST", "localhost").strip()
        if host.lower() in DISABLED:
            return None
        name, address = parseaddr(env.get("DESKBOT_SMTP_FROM", "") or "deskbot@localhost")
        if "@" not in address:
            raise ValueError(f"DESKBOT_SMTP_FROM is not an address: {address!r}")
        return cls(host=host, port=int(env.get("DESKBOT_SMTP_PORT", "25") or 25),
                   sender=address, sender_name=name,
                   username=env.get("DESKBOT_SMTP_USER") or None,
                   password=env.get("DESKBOT_SMTP_PASSWORD") or None,
                   starttls=env.get("DESKBOT_SMTP_STARTTLS", "").lower() in ("1", "true", "yes"))


@dataclass(frozen=True)
class Address:
    name: str
    email: str
    role: str  # requester | assignee | watcher | lead ...


class Directory(Protocol):
    """Where the deliverer learns addresses and threads (the database, or a test's dict)."""

    def address(self, item: OutboxItem) -> Address | None: ...

    def thread_ref(self, ticket_key: str | None) -> str | None: ...


class DatabaseDirectory:
    """Addresses and threads read from the desk's database (``services`` or the process's)."""

    def __init__(self, services: Services | None = None) -> None:
        self._services = services

    @property
    def services(self) -> Any:
        if self._services is None:
            from actions.services import default_services

            self._services = default_services()
        return self._services

    def address(self, item: OutboxItem) -> Address | None:
        recipient = item.recipient
        with self.services.uow() as uow:
            person_id = recipient.get("person_id")
            role = recipient.get("role") or "requester"
            if person_id is None and recipient.get("type") == "thread" and item.ticket_key:
                person_id = uow.tickets.get(item.ticket_key).requester_id
            if person_id is None:
                return None
            person = uow.people.get(int(person_id))
            mailbox = person.address("email")
            if not mailbox:
                return None
            if recipient.get("type") == "thread":
                role = "requester"
            return Address(person.name, mailbox, role)

    def thread_ref(self, ticket_key: str | None) -> str | None:
        if not ticket_key:
            return None
        with self.services.uow() as uow:
            ticket = uow.tickets.get(ticket_key)
            return ticket.channel_ref if ticket.channel == "email" else None


class SmtpDeliverer:
    """Delivers ``email`` outbox messages by SMTP. One connection per message: notifications
    are few, and a fresh connection never inherits a half-broken session."""

    def __init__(self, config: SmtpConfig, directory: Directory,
                 renderer: MailRenderer | None = None) -> None:
        self.config = config
        self.directory = directory
        self.renderer = renderer or MailRenderer()

    def compose(self, item: OutboxItem, to: Address) -> EmailMessage:
        """The mail for one outbox message: an answer to a mail (``turn``) or a notice."""
        if item.template == "turn":
            rendered, reply_to, references = self._answer(item)
        else:
            rendered, reply_to, references = self._notice(item, to)
        msg = EmailMessage()
        msg["From"] = formataddr((self.config.sender_name, self.config.sender))
        msg["To"] = formataddr((to.name, to.email))
        msg["Subject"] = rendered.subject
        msg["Date"] = formatdate(usegmt=True)
        msg["Message-ID"] = outbound_id(item.key, item.ticket_key, self.config.domain)
        # RFC 3834: everything the desk sends answers a person automatically; well-behaved
        # auto-responders (out of office, vacation) must not answer it back.
        msg["Auto-Submitted"] = "auto-replied"
        msg["X-Auto-Response-Suppress"] = "All"
        if reply_to:
            msg["In-Reply-To"] = reply_to
        if references:
            msg["References"] = " ".join(dict.fromkeys(references))
        if item.ticket_key:
            msg["X-Deskbot-Ticket"] = item.ticket_key
        msg.set_content(rendered.text)
        msg.add_alternative(rendered.html, subtype="html")
        return msg

    def _answer(self, item: OutboxItem) -> tuple[Rendered, str | None, list[str]]:
        """The answer to someone's mail: threaded under it, the ticket key in the subject."""
        ctx, lang = item.context, item.language
        ticket = ctx.get("ticket")
        reply = ctx.get("reply") or {}
        body = self.renderer.text(
            "mail.turn", lang, messages=ctx.get("messages") or [], ticket=ticket,
            articles=ctx.get("articles") or [], files=ctx.get("files") or [],
            timezone=ctx.get("timezone") or "UTC", reply=reply)
        subject = self.renderer.text("mail.answer_subject", lang, ticket=ticket, reply=reply)
        footer = self.renderer.text("mail.answer_footer", lang, ticket=ticket)
        references = [str(r) for r in reply.get("references") or []]
        if item.ticket_key:
            references.insert(0, thread_root(item.ticket_key, self.config.domain))
        return (self.renderer.mail(lang, subject=subject, body=body, footer=footer),
                reply.get("message_id"), references)

    def _notice(self, item: OutboxItem, to: Address) -> tuple[Rendered, str | None, list[str]]:
        """A notice about a ticket, in the requester's thread when it began by mail."""
        ctx, lang = item.context, item.language
        ticket = ctx.get("ticket") or {"key": item.ticket_key, "title": ""}
        args = {"ticket": ticket, "event": ctx.get("event") or {"type": item.template,
                                                                "payload": {}},
                "actor": ctx.get("actor"), "recipient": item.recipient}
        if self.renderer.has(f"notify.{item.template}", lang):
            body = self.renderer.text(f"notify.{item.template}", lang, **args)
        else:
            body = self.renderer.text("mail.update", lang, **args)
        footer = self.renderer.text("mail.footer", lang, ticket=ticket, role=to.role)
        subject = self.renderer.text("mail.subject", lang, **args)
        rendered = self.renderer.mail(lang, subject=subject, body=body, footer=footer)
        if not item.ticket_key:
            return rendered, None, []
        thread = self.directory.thread_ref(item.ticket_key)
        root = thread_root(item.ticket_key, self.config.domain)
        return rendered, thread or root, [root, thread] if thread else [root]

    def deliver(self, item: OutboxItem) -> None:
        try:
            to = self.directory.address(item)
        except Exception as exc:  # noqa: BLE001 - a vanished person or ticket will not come back
            raise DeliveryError(f"recipient not found: {exc}", retryable=False) from exc
        if to is None:
            raise DeliveryError("recipient has no email address", retryable=False)
        msg = self.compose(item, to)
        cfg = self.config
        try:
            with smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout) as smtp:
                if cfg.starttls:
                    smtp.starttls()
                if cfg.username:
                    smtp.login(cfg.username, cfg.password or "")
                smtp.send_message(msg, from_addr=cfg.sender, to_addrs=[to.email])
        except Exception as exc:  # noqa: BLE001 - classified below, never swallowed
            raise delivery_error(exc) from exc


def delivery_error(exc: BaseException) -> DeliveryError:
    """SMTP trouble as the outbox understands it: 4xx and connections retry, 5xx do not."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        detail = "; ".join(f"{addr}: {code} {_text(msg)}"
                           for addr, (code, msg) in exc.recipients.items())
        return DeliveryError(f"recipient refused: {detail}",
                             retryable=any(400 <= c < 500 for c in codes))
    if isinstance(exc, smtplib.SMTPResponseException):
        return DeliveryError(f"SMTP {exc.smtp_code} {_text(exc.smtp_error)}",
                             retryable=not 500 <= exc.smtp_code < 600)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return DeliveryError(f"SMTP server cannot take it: {exc}", retryable=False)
    if isinstance(exc, smtplib.SMTPServerDisconnected | OSError | smtplib.SMTPException):
        return DeliveryError(f"SMTP connection: {type(exc).__name__}: {exc}", retryable=True)
    return DeliveryError(f"{type(exc).__name__}: {exc}", retryable=True)


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def email_deliverer_from_env(services: Services | None = None,
                             env: Mapping[str, str] | None = None) -> SmtpDeliverer | None:
    """The email deliverer ``deskbot run`` registers for channel ``email``; None when
    ``DESKBOT_SMTP_HOST=off``. Without ``services`` addresses come from the process's services."""
    config = SmtpConfig.from_env(env)
    if config is None:
        return None
    return SmtpDeliverer(config, DatabaseDirectory(services))
