"""Mail to the desk over real SMTP sessions: new tickets, replies as comments, retries, garbage."""

from __future__ import annotations

from sqlalchemy import func, select

from actions.queries import show_ticket
from actions.work import claim, resolve
from bot.email.server import MAX_BYTES
from store.models import ProcessedEvent, Ticket
from tests.email.conftest import mail


def tickets(services) -> int:  # type: ignore[no-untyped-def]
    with services.session_factory() as s:
        return s.scalar(select(func.count(Ticket.id)))


def only_ticket(services):  # type: ignore[no-untyped-def]
    with services.session_factory() as s:
        return s.scalars(select(Ticket)).unique().one()


def test_a_new_message_opens_a_ticket_for_its_sender(inbox):
    code, text = inbox.send(mail(
        "No puedo entrar al sistema de nóminas",
        "Hola, desde esta mañana me sale contraseña incorrecta.\n\n"
        "--\nLucía Fernández\nContabilidad, ext. 2231\n"))
    assert code == 250 and "INC-1 opened" in text
    ticket = show_ticket(inbox.services.uow(), key="INC-1", actor_id=None)
    assert (ticket.channel, ticket.channel_ref) == ("email", "<m1@mail.example.com>")
    assert ticket.title == "No puedo entrar al sistema de nóminas"
    assert ticket.description == ("No puedo entrar al sistema de nóminas\n\n"
                                  "Hola, desde esta mañana me sale contraseña incorrecta.")
    assert ticket.language == "es" and ticket.status == "open"
    assert (ticket.requester.name, ticket.requester.address("email")) == (
        "Lucía Fernández", "lucia@example.com")
    assert ticket.requester.role == "requester"


def test_english_mail_gets_an_english_ticket(inbox):
    code, _ = inbox.send(mail("Laptop will not turn on", "Hi, my laptop won't turn on since "
                              "this morning, can you help?", sender="tom@example.com"))
    assert code == 250
    ticket = only_ticket(inbox.services)
    assert ticket.language == "en" and ticket.requester.language == "en"


def test_a_reply_becomes_a_comment_without_the_quoted_text(inbox, cast):
    inbox.send(mail("VPN caída", "La VPN no conecta"))
    claim(inbox.services.uow(), key="INC-1", actor_id=cast.ana.id)
    reply = mail("Re: VPN caída", "Ya reinicié el router y sigue igual.\n\n"
                 "El mar, 24 nov 2026 a las 10:00, Soporte <soporte@desk.example> escribió:\n"
                 "> ¿Puedes reiniciar el router?\n",
                 message_id="<m2@mail.example.com>", In_Reply_To="<m1@mail.example.com>",
                 References="<m1@mail.example.com>")
    code, text = inbox.send(reply)
    assert code == 250 and "comment added to INC-1" in text
    history = show_ticket(inbox.services.uow(), key="INC-1", actor_id=None).history
    last = history[-1]
    assert last.type == "commented" and last.actor == "Lucía Fernández"
    assert last.payload["text"] == "Ya reinicié el router y sigue igual."
    assert tickets(inbox.services) == 1


def test_the_key_in_the_subject_finds_the_ticket(inbox):
    inbox.send(mail("Impresora", "No imprime"))
    code, text = inbox.send(mail("RE: [inc-1] Impresora (EN CURSO)", "Ahora hace ruido",
                                 message_id="<m3@mail.example.com>"))
    assert "comment added to INC-1" in text
    assert tickets(inbox.services) == 1


def test_a_reply_to_a_notification_finds_the_ticket_by_its_message_id(inbox):
    inbox.send(mail("Excel", "Excel se cierra solo"))
    code, text = inbox.send(mail("Re: tu ticket", "Sigue pasando", message_id="<m4@x>",
                                 In_Reply_To="<deskbot.INC-1.0a1b2c@desk.example>"))
    assert "comment added to INC-1" in text


def test_the_same_message_delivered_twice_is_taken_once(inbox):
    first = inbox.send(mail("Teclado", "Faltan teclas"))
    again = inbox.send(mail("Teclado", "Faltan teclas"))
    assert first[0] == again[0] == 250 and "already received" in again[1]
    assert tickets(inbox.services) == 1
    with inbox.services.session_factory() as s:
        assert s.get(ProcessedEvent, "email:<m1@mail.example.com>") is not None


def test_html_only_mail_is_read_as_text(inbox):
    msg = mail("Pantalla", "")
    msg.set_content("<html><head><style>p{color:red}</style></head><body>"
                    "<p>La pantalla&nbsp;parpadea &amp; se apaga</p><br>"
                    "<blockquote>texto citado</blockquote></body></html>", subtype="html")
    assert inbox.send(msg)[0] == 250
    ticket = only_ticket(inbox.services)
    assert ticket.description == "Pantalla\n\nLa pantalla parpadea & se apaga"  # no tags, quote


def test_garbage_is_refused_and_the_server_keeps_working(inbox):
    code, text = inbox.send(b"\x00\xff garbage without headers \r\n\r\n\x80\x81", sender="")
    assert code == 550
    code, _ = inbox.send(mail("", "", message_id="<empty@x>"))
    assert code == 550  # nothing to open a ticket about
    assert tickets(inbox.services) == 0
    assert inbox.send(mail("Ratón", "No funciona el ratón"))[0] == 250


def test_an_oversized_message_is_refused(inbox):
    big = mail("Log", ("x" * 70 + "\n") * (MAX_BYTES // 70 + 100))  # a log over the limit
    code, text = inbox.send(big)
    assert code == 552
    assert tickets(inbox.services) == 0
    assert inbox.send(mail("Log", "pequeño"))[0] == 250


def test_auto_replies_never_open_tickets(inbox):
    code, text = inbox.send(mail("Fuera de la oficina", "Vuelvo el lunes",
                                 Auto_Submitted="auto-replied"))
    assert code == 250 and "no action" in text
    assert tickets(inbox.services) == 0


def test_a_stranger_cannot_comment_on_someone_elses_ticket(inbox):
    inbox.send(mail("Nómina", "No veo mi recibo"))
    code, text = inbox.send(mail("Re: [INC-1] Nómina", "Yo también", sender="eve@example.com",
                                 message_id="<eve@x>"))
    assert code == 550 and "INC-1" in text
    assert [e.type for e in show_ticket(inbox.services.uow(), key="INC-1",
                                        actor_id=None).history] == ["created", "routed"]


def test_a_reply_to_a_closed_ticket_opens_a_new_one(inbox, cast, settings):
    from actions.closure import confirm

    inbox.send(mail("Wifi", "No hay wifi"))
    lucia = only_ticket(inbox.services).requester_id
    resolve(inbox.services.uow(), key="INC-1", actor_id=cast.ana.id, summary="AP reiniciado")
    confirm(inbox.services.uow(), key="INC-1", actor_id=lucia)
    code, text = inbox.send(mail("Re: [INC-1] Wifi", "Otra vez sin wifi", message_id="<m9@x>"))
    assert "INC-2 opened" in text


def test_the_same_message_arriving_on_several_connections_at_once_is_taken_once(services):
    """Mail servers retry on a new connection while the first is still being handled (and
    several desk processes may receive it): one ticket, on either database."""
    from concurrent.futures import ThreadPoolExecutor
    from email.policy import SMTP

    from bot.email.inbound import EmailIntake

    intake = EmailIntake(services)
    raw = mail("Disco lleno", "El disco C: está lleno", message_id="<race@x>").as_bytes(
        policy=SMTP)
    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(lambda _: intake.receive(raw, "lucia@example.com"), range(4)))
    assert sorted(o.action for o in outcomes) == ["duplicate"] * 3 + ["opened"]
    assert tickets(services) == 1
