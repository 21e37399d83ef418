"""Notifications by email through a real SMTP sink on loopback: subject, threading, body, and
SMTP errors turned into the outbox's retry decisions."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default

import pytest
from sqlalchemy import select

from actions.email.ids import outbound_id
from actions.intake import NewTicket, open_ticket
from actions.outbox import DeliveryError, OutboxItem, deliver_due
from actions.people import ensure_person
from actions.work import claim
from bot.email.outbound import (
    Address,
    DatabaseDirectory,
    SmtpConfig,
    SmtpDeliverer,
    email_deliverer_from_env,
)
from bot.email.server import EmailServer
from store.models import OutboxMessage
from tests.email.conftest import mail


def config(port: int) -> SmtpConfig:
    return SmtpConfig(host="127.0.0.1", port=port, sender="soporte@desk.example",
                      sender_name="Soporte TI", timeout=5)


@pytest.fixture
def email_ticket(sqlite_services, settings, cast):  # type: ignore[no-untyped-def]
    lucia = ensure_person(sqlite_services.uow(), channel="email", address="lucia@example.com",
                          name="Lucía Fernández")
    ticket = open_ticket(sqlite_services.uow(), settings, NewTicket(
        requester_id=lucia.id, description="La impresora no imprime", channel="email",
        channel_ref="<orig@mail.example.com>"))
    return sqlite_services, cast, ticket


def test_a_notification_is_a_reply_in_the_requesters_thread(email_ticket, sink):
    services, cast, ticket = email_ticket
    handler, port = sink
    claim(services.uow(), key=ticket.key, actor_id=cast.ana.id)
    report = deliver_due(services, {"email": SmtpDeliverer(config(port),
                                                           DatabaseDirectory(services))})
    assert len(report.delivered) == 1 and not report.retried and not report.failed
    [(mail_from, rcpt, data)] = handler.messages
    assert (mail_from, rcpt) == ("soporte@desk.example", ["lucia@example.com"])
    msg = message_from_bytes(data, policy=default)
    assert msg["Subject"] == "[INC-1] La impresora no imprime (EN CURSO)"
    assert msg["To"] == "Lucía Fernández <lucia@example.com>"
    assert msg["From"] == "Soporte TI <soporte@desk.example>"
    assert msg["In-Reply-To"] == "<orig@mail.example.com>"
    assert msg["References"].split() == ["<deskbot.INC-1.thread@desk.example>",
                                         "<orig@mail.example.com>"]
    with services.session_factory() as s:
        key = s.scalars(select(OutboxMessage.key).where(OutboxMessage.channel == "email")).one()
    assert msg["Message-ID"] == outbound_id(key, "INC-1", "desk.example")
    assert msg["Auto-Submitted"] == "auto-replied"
    body = msg.get_body(("plain",)).get_content()
    assert "*" not in body and "&lt;" not in body
    assert "Ana Torres" in body and "INC-1" in body
    assert "Responde a este correo para añadir un comentario al ticket INC-1" in body


def test_delivering_the_same_item_again_sends_the_same_message_id(email_ticket, sink):
    services, cast, ticket = email_ticket
    handler, port = sink
    claim(services.uow(), key=ticket.key, actor_id=cast.ana.id)
    deliverer = SmtpDeliverer(config(port), DatabaseDirectory(services))
    with services.session_factory() as s:
        item = OutboxItem.of(s.scalars(select(OutboxMessage)
                                       .where(OutboxMessage.channel == "email")).one())
    deliverer.deliver(item)
    deliverer.deliver(item)
    ids = [message_from_bytes(d, policy=default)["Message-ID"] for _, _, d in handler.messages]
    assert len(ids) == 2 and ids[0] == ids[1]


def test_a_reply_to_the_notification_comes_back_as_a_comment(email_ticket, sink, inbox):
    services, cast, ticket = email_ticket
    handler, port = sink
    claim(services.uow(), key=ticket.key, actor_id=cast.ana.id)
    deliver_due(services, {"email": SmtpDeliverer(config(port), DatabaseDirectory(services))})
    sent = message_from_bytes(handler.messages[0][2], policy=default)
    code, text = inbox.send(mail("Re: la impresora", "Sigue sin imprimir, ya revisé el papel",
                                 sender="lucia@example.com", message_id="<r1@mail.example.com>",
                                 In_Reply_To=sent["Message-ID"]))
    assert code == 250 and "comment added to INC-1" in text


class Book:
    """A directory without a database, for the error cases."""

    def __init__(self, address: Address | None) -> None:
        self.to = address

    def address(self, item: OutboxItem) -> Address | None:
        return self.to

    def thread_ref(self, ticket_key: str | None) -> str | None:
        return None


def item(template: str = "noted", role: str = "assignee") -> OutboxItem:
    return OutboxItem(
        id=1, key="event:9:person:4", channel="email",
        recipient={"type": "person", "person_id": 4, "role": role}, template=template,
        language="en", context={"ticket": {"key": "INC-7", "title": "VPN", "status": "open"},
                                "event": {"type": template, "payload": {"text": "check logs"}},
                                "actor": "Luis Pérez"},
        ticket_key="INC-7", attempts=1)


ANA = Address("Ana Torres", "ana@example.com", "assignee")


def test_staff_are_warned_that_replies_are_public(sink):
    handler, port = sink
    SmtpDeliverer(config(port), Book(ANA)).deliver(item())
    msg = message_from_bytes(handler.messages[0][2], policy=default)
    assert msg["Subject"] == "[INC-7] VPN (OPEN)"
    assert msg["In-Reply-To"] == "<deskbot.INC-7.thread@desk.example>"
    body = msg.get_body(("plain",)).get_content()
    assert "check logs" in body and "PUBLIC comment" in body


def test_an_event_without_its_own_template_still_reads_well(sink):
    handler, port = sink
    SmtpDeliverer(config(port), Book(ANA)).deliver(item(template="something_new"))
    msg = message_from_bytes(handler.messages[0][2], policy=default)
    body = msg.get_body(("plain",)).get_content()
    assert 'There is news on your ticket INC-7 "VPN" (Luis Pérez)' in body


@pytest.mark.parametrize("reply,retryable", [
    ("550 5.1.1 No such user here", False),
    ("451 4.3.0 Mailbox busy, try later", True),
])
def test_smtp_refusals_map_to_retry_decisions(sink, reply, retryable):
    handler, port = sink
    handler.reply = reply
    with pytest.raises(DeliveryError) as caught:
        SmtpDeliverer(config(port), Book(ANA)).deliver(item())
    assert caught.value.retryable is retryable and reply[:3] in caught.value.reason
    assert handler.messages == []


def test_an_unreachable_server_is_retried_later(sink):
    handler, _ = sink
    with EmailServer(handler, "127.0.0.1", 0) as gone:
        port = gone.port  # a port nobody listens on any more
    with pytest.raises(DeliveryError) as caught:
        SmtpDeliverer(config(port), Book(ANA)).deliver(item())
    assert caught.value.retryable and "Connection" in caught.value.reason


def test_a_recipient_without_an_address_fails_for_good(sink):
    handler, port = sink
    with pytest.raises(DeliveryError) as caught:
        SmtpDeliverer(config(port), Book(None)).deliver(item())
    assert not caught.value.retryable


def test_configuration_from_the_environment(sqlite_services):
    assert email_deliverer_from_env(sqlite_services, env={"DESKBOT_SMTP_HOST": "off"}) is None
    plain = email_deliverer_from_env(sqlite_services, env={})
    assert (plain.config.host, plain.config.port, plain.config.sender) == (
        "localhost", 25, "deskbot@localhost")
    custom = email_deliverer_from_env(sqlite_services, env={
        "DESKBOT_SMTP_HOST": "mail.example.com", "DESKBOT_SMTP_PORT": "2526",
        "DESKBOT_SMTP_FROM": "Soporte TI <soporte@example.com>", "DESKBOT_SMTP_STARTTLS": "1"})
    assert (custom.config.host, custom.config.port, custom.config.sender,
            custom.config.sender_name, custom.config.starttls) == (
        "mail.example.com", 2526, "soporte@example.com", "Soporte TI", True)
