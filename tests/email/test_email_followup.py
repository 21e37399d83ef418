"""A question the desk asked by mail before any ticket existed ("what happened?", "what isn't
working?"): the reply to it is its answer, in the same conversation, not a new request."""

from __future__ import annotations

from sqlalchemy import select

from actions.intake import security_record
from store.models import Ticket
from tests.email.conftest import mail, text_of
from tests.email.test_email_conversation import reply_to


def tickets(services) -> list[tuple[str, str, str | None]]:  # type: ignore[no-untyped-def]
    with services.session_factory() as s:
        return [(t.key, t.title, t.channel_ref) for t in s.scalars(select(Ticket))]


def test_the_reply_to_what_happened_opens_the_security_incident_it_describes(inbox, postbox):
    inbox.send(mail("Ayuda", "Necesito reportar un incidente de seguridad"))
    [asked] = postbox.deliver()
    assert "¿Qué pasó?" in text_of(asked) and tickets(inbox.services) == []
    code, text = inbox.send(reply_to(asked, "Se me perdió el celular en el metro",
                                     mid="<r1@x>"))
    assert code == 250 and "SEC-1 opened" in text
    # the answer is what happened; the ticket belongs to the first mail's thread
    assert tickets(inbox.services) == [
        ("SEC-1", "Se me perdió el celular en el metro", "<m1@mail.example.com>")]
    [opened] = postbox.deliver()
    assert "incidente de seguridad SEC-1" in text_of(opened) and "(1/4)" in text_of(opened)
    # with the advice for a lost device, not for a suspicious mail
    assert "Mientras tanto: si fue un robo, denúncialo" in text_of(opened)
    assert "reenvíes" not in text_of(opened)


def test_a_reply_without_thread_headers_is_found_by_its_subject(inbox, postbox):
    inbox.send(mail("Hello", "I need to report a security incident",
                    sender="Emma <emma.b@example.com>"))
    [asked] = postbox.deliver()
    assert "What happened?" in text_of(asked)
    inbox.send(mail("RE: Re: Hello", "I left my phone in a taxi last night",
                    sender="Emma <emma.b@example.com>", message_id="<r1@x>"))
    assert tickets(inbox.services) == [
        ("SEC-1", "I left my phone in a taxi last night", "<m1@mail.example.com>")]
    [opened] = postbox.deliver()
    assert "Meanwhile: if it was stolen, report it" in text_of(opened)


def test_an_answer_to_a_reply_is_not_re_re(inbox, postbox):
    inbox.send(mail("Re: Hello", "help", sender="Emma <emma.b@example.com>"))
    inbox.send(mail("RV: Hola", "ayuda", sender="Ana <ana.b@example.com>", message_id="<m2@x>"))
    inbox.send(mail("Hola", "ayuda", sender="Luis <luis.b@example.com>", message_id="<m3@x>"))
    subjects = sorted(str(m["Subject"]) for m in postbox.deliver())
    assert subjects == ["RV: Hola", "Re: Hello", "Re: Hola"]


def test_the_reply_to_what_isnt_working_is_the_problem(inbox, postbox):
    inbox.send(mail("Ayuda", "No funciona"))
    [asked] = postbox.deliver()
    assert "¿Qué es lo que no funciona?" in text_of(asked) and tickets(inbox.services) == []
    inbox.send(reply_to(asked, "Outlook no abre desde esta mañana", mid="<r1@x>"))
    [(key, title, thread)] = tickets(inbox.services)
    assert title == "Outlook no abre desde esta mañana" and thread == "<m1@mail.example.com>"
    [opened] = postbox.deliver()
    assert f"abrimos el ticket {key}" in text_of(opened)
    # its notices thread under the first mail, and a further reply is about that ticket
    assert "<m1@mail.example.com>" in opened["References"]
    code, text = inbox.send(reply_to(asked, "Ya reinicié el equipo", mid="<r2@x>"))
    assert f"comment added to {key}" in text and len(tickets(inbox.services)) == 1


def test_someone_elses_reply_to_the_question_is_their_own_request(inbox, postbox):
    inbox.send(mail("Ayuda", "Necesito reportar un incidente de seguridad"))
    [asked] = postbox.deliver()
    inbox.send(reply_to(asked, "La impresora del piso 2 no imprime", mid="<r1@x>",
                        sender="Pedro <pedro@example.com>"))
    [(key, title, thread)] = tickets(inbox.services)
    assert key.startswith("INC-") and thread == "<r1@x>"


def test_another_incident_during_the_questions_gets_its_own_ticket_and_questions(inbox,
                                                                                 postbox):
    inbox.send(mail("Correo sospechoso",
                    "Recibí un correo que me pide mi contraseña del banco, creo que es phishing"))
    [ack] = postbox.deliver()
    inbox.send(reply_to(ack, "Me robaron la laptop en el metro", mid="<r1@x>"))
    [asked] = postbox.deliver()
    assert "¿Es tu respuesta a la pregunta (1/4) de SEC-1, o es otro problema?" in text_of(asked)
    code, text = inbox.send(reply_to(asked, "Es otro problema", mid="<r2@x>"))
    assert "SEC-2 opened" in text
    [opened] = postbox.deliver()
    assert opened["Subject"].startswith("[SEC-2]")
    assert "dejo en pausa las preguntas de SEC-1" in text_of(opened)
    assert "incidente de seguridad SEC-2" in text_of(opened)
    assert "si fue un robo, denúncialo" in text_of(opened) and "(1/4)" in text_of(opened)
    inbox.send(reply_to(opened, "En el metro, en la línea 2", mid="<r3@x>"))
    [second] = postbox.deliver()
    assert "(2/4)" in text_of(second)
    with inbox.services.uow() as uow:
        assert security_record(uow, uow.tickets.get("SEC-2"))["discovered_where"] \
            == "En el metro, en la línea 2"
        assert security_record(uow, uow.tickets.get("SEC-1"))["discovered_where"] is None
