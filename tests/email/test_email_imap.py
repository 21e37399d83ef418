"""The desk reading a real mailbox (Dovecot on loopback): new mail becomes tickets, replies
continue them, processed mail is marked only after the work is committed, and IDLE brings new
mail at once."""

from __future__ import annotations

import ssl

import pytest
from sqlalchemy import func, select

from actions.queries import show_ticket
from actions.work import claim, resolve
from bot.email.imap import ImapConfig, ImapPoller
from bot.email.inbound import EmailIntake
from store.models import Ticket
from tests.email.conftest import mail, text_of, wait_for
from tests.email.dovecot import PASSWORD


def tickets(services) -> int:  # type: ignore[no-untyped-def]
    with services.session_factory() as s:
        return int(s.scalar(select(func.count(Ticket.id))) or 0)


def config(dovecot, **kw) -> ImapConfig:  # type: ignore[no-untyped-def]
    return ImapConfig.from_env({"DESKBOT_IMAP_URL": dovecot.url,
                                "DESKBOT_IMAP_PASSWORD": PASSWORD, **kw})  # type: ignore[return-value]


def test_the_url_is_read_into_a_configuration():
    cfg = ImapConfig.from_env({"DESKBOT_IMAP_URL": "imaps://soporte%40acme.com@mail.acme.com/Help",
                               "DESKBOT_IMAP_PASSWORD": "pw"})
    assert cfg is not None
    assert (cfg.user, cfg.host, cfg.port, cfg.mailbox, cfg.tls) == (
        "soporte@acme.com", "mail.acme.com", 993, "Help", True)
    with pytest.raises(ValueError, match="PASSWORD"):
        ImapConfig.from_env({"DESKBOT_IMAP_URL": "imaps://u@h/INBOX"})


def test_a_mailbox_is_read_marked_after_the_commit_and_never_taken_twice(
        dovecot, sqlite_services, postbox):
    dovecot.append(bytes(mail("URGENTE: toda la oficina sin internet",
                              "No hay red en todo el piso.")))
    dovecot.append(bytes(mail("Respuesta automática: fuera de la oficina", "Vuelvo el lunes",
                              message_id="<ooo@x>")))
    poller = ImapPoller(config(dovecot), EmailIntake(sqlite_services))
    conn = poller.connect()
    try:
        assert poller.sweep(conn) == 2
    finally:
        conn.logout()
    assert dovecot.count("UNSEEN") == 0 and dovecot.count("ALL") == 2
    opened = show_ticket(sqlite_services.uow(), key="INC-1", actor_id=None)
    assert opened.priority in ("P1", "P2") and opened.team == "L2"
    assert tickets(sqlite_services) == 1
    [ack] = postbox.deliver()
    assert ack["Subject"].startswith("[INC-1]")
    # The same message again (a copy left by a crash before the flag): no second ticket.
    dovecot.append(bytes(mail("URGENTE: toda la oficina sin internet",
                              "No hay red en todo el piso.")))
    conn = poller.connect()
    try:
        poller.sweep(conn)
    finally:
        conn.logout()
    assert tickets(sqlite_services) == 1 and postbox.deliver() == []


def test_imaps_verifies_the_certificate_and_reads_the_mailbox(dovecot, sqlite_services):
    dovecot.append(bytes(mail("La impresora no imprime", "Nada sale.")))
    tls = {"DESKBOT_IMAP_URL": dovecot.tls_url, "DESKBOT_IMAP_PASSWORD": PASSWORD}
    untrusted = ImapPoller(ImapConfig.from_env(tls), EmailIntake(sqlite_services))  # type: ignore[arg-type]
    with pytest.raises(ssl.SSLCertVerificationError):
        untrusted.connect()
    trusted = ImapConfig.from_env({**tls, "DESKBOT_IMAP_CAFILE": dovecot.cafile})
    poller = ImapPoller(trusted, EmailIntake(sqlite_services)).start()  # type: ignore[arg-type]
    try:
        wait_for(lambda: tickets(sqlite_services) == 1)
        wait_for(lambda: dovecot.count("UNSEEN") == 0)
        dovecot.append(bytes(mail("El ratón no funciona", "No se mueve.", message_id="<m2@x>")))
        wait_for(lambda: tickets(sqlite_services) == 2)  # IDLE over TLS
    finally:
        poller.stop()


def test_a_message_that_fails_stays_unseen_for_the_next_pass(dovecot, sqlite_services,
                                                            monkeypatch):
    dovecot.append(bytes(mail("La impresora no imprime", "Nada sale.")))
    intake = EmailIntake(sqlite_services)
    poller = ImapPoller(config(dovecot), intake)

    def broken(raw, envelope_from=None):  # type: ignore[no-untyped-def]
        raise ConnectionError("database down")

    monkeypatch.setattr(intake, "receive", broken)
    conn = poller.connect()
    try:
        assert poller.sweep(conn) == 0
        assert dovecot.count("UNSEEN") == 1
        monkeypatch.undo()
        assert poller.sweep(conn) == 1
    finally:
        conn.logout()
    assert dovecot.count("UNSEEN") == 0 and tickets(sqlite_services) == 1


def test_the_whole_journey_over_imap_with_idle_and_a_processed_folder(
        dovecot, sqlite_services, postbox, cast):
    services = sqlite_services
    poller = ImapPoller(config(dovecot, DESKBOT_IMAP_PROCESSED="Procesados",
                               DESKBOT_IMAP_POLL_SECONDS="30"), EmailIntake(services)).start()
    try:
        wait_for(lambda: poller.passes >= 1)  # now waiting in IDLE
        dovecot.append(bytes(mail("La impresora del piso 3 no imprime", "Luz naranja.")))
        wait_for(lambda: tickets(services) == 1)  # IDLE woke it: no 30 s poll
        wait_for(lambda: dovecot.count("ALL", "Procesados") == 1)
        assert dovecot.count("ALL") == 0
        [ack] = postbox.deliver()
        dovecot.append(bytes(mail(f"Re: {ack['Subject']}", "Ya la reinicié y sigue igual.",
                                  message_id="<r1@x>", In_Reply_To=ack["Message-ID"])))
        wait_for(lambda: [e.type for e in show_ticket(services.uow(), key="INC-1",
                                                      actor_id=None).history][-1] == "commented")
        claim(services.uow(), key="INC-1", actor_id=cast.ana.id)
        resolve(services.uow(), key="INC-1", actor_id=cast.ana.id, summary="Cambié el tóner.")
        resolved = [m for m in postbox.deliver() if "Cambié el tóner" in text_of(m)][0]
        dovecot.append(bytes(mail(f"Re: {resolved['Subject']}", "Sí, ya funciona, califico 5",
                                  message_id="<r2@x>", In_Reply_To=resolved["Message-ID"])))
        done = wait_for(lambda: (lambda t: t if t.survey else None)(
            show_ticket(services.uow(), key="INC-1", actor_id=None)))
        assert done.status == "closed" and [a.rating for a in done.survey] == [5]
    finally:
        poller.stop()
