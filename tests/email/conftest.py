"""Fixtures of the email tests: the real SMTP server of the desk, and a sink that records mail,
both listening on a free loopback port."""

from __future__ import annotations

import smtplib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

import pytest

from bot.email.inbound import EmailIntake
from bot.email.server import DeskHandler, EmailServer


@dataclass
class Inbox:
    services: object
    port: int

    def send(self, msg: EmailMessage | bytes, sender: str = "someone@example.com",
             ) -> tuple[int, str]:
        """One SMTP session: MAIL, RCPT, DATA. Returns the reply to DATA (code, text)."""
        data = msg if isinstance(msg, bytes) else msg.as_bytes(policy=SMTP)
        with smtplib.SMTP("127.0.0.1", self.port, timeout=120) as smtp:
            smtp.ehlo()
            smtp.mail(sender)
            smtp.rcpt("soporte@desk.example")
            code, text = smtp.data(data)
        return code, text.decode()


@pytest.fixture
def inbox(sqlite_services) -> Iterator[Inbox]:  # type: ignore[no-untyped-def]
    intake = EmailIntake(sqlite_services, own_addresses=("soporte@desk.example",))
    with EmailServer(DeskHandler(intake), "127.0.0.1", 0) as server:
        yield Inbox(sqlite_services, server.port)


def mail(subject: str, body: str, *, sender: str = "Lucía Fernández <lucia@example.com>",
         message_id: str | None = "<m1@mail.example.com>", **headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "soporte@desk.example"
    msg["Subject"] = subject
    if message_id:
        msg["Message-ID"] = message_id
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg


@dataclass
class Sink:
    """A mail server that keeps what it receives; ``reply`` makes it refuse at RCPT."""

    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    reply: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        if self.reply:
            return self.reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def sink() -> Iterator[tuple[Sink, int]]:
    handler = Sink()
    with EmailServer(handler, "127.0.0.1", 0) as server:
        yield handler, server.port


@dataclass
class Postbox:
    """The desk's outgoing mail: delivers the outbox to the sink and reads what arrived."""

    services: object
    sink: Sink
    port: int
    seen: int = 0

    def deliver(self) -> list[EmailMessage]:
        """Deliver everything queued for email; the mails that arrived since the last call."""
        from email import message_from_bytes
        from email.policy import default

        from actions.outbox import deliver_due
        from bot.email.outbound import DatabaseDirectory, SmtpConfig, SmtpDeliverer

        config = SmtpConfig(host="127.0.0.1", port=self.port, sender="soporte@desk.example",
                            sender_name="Soporte TI", timeout=30)
        deliver_due(self.services, {"email": SmtpDeliverer(config,
                                                           DatabaseDirectory(self.services))})
        new = self.sink.messages[self.seen:]
        self.seen = len(self.sink.messages)
        return [message_from_bytes(data, policy=default) for _, _, data in new]  # type: ignore[misc]


@pytest.fixture
def postbox(inbox, sink) -> Postbox:  # type: ignore[no-untyped-def]
    handler, port = sink
    return Postbox(inbox.services, handler, port)


def wait_for(condition: Callable[[], Any], timeout: float = 60.0) -> Any:
    """The condition's first true value, polled until a generous ceiling (a busy machine is
    slow, never wrong)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


def text_of(msg: EmailMessage) -> str:
    return msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def html_of(msg: EmailMessage) -> str:
    return msg.get_body(("html",)).get_content()  # type: ignore[union-attr]


@pytest.fixture
def dovecot():  # type: ignore[no-untyped-def]
    from tests.email.dovecot import start_dovecot

    server = start_dovecot()
    yield server
    server.stop()
