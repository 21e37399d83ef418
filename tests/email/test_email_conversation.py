"""The conversation by mail, over real SMTP both ways: a new mail is understood and answered
with its key; replies continue the conversation (security questions, "solved", the resolution's
one-line confirm and rating); automatic mail and floods get no answer; hostile mail is harmless."""

from __future__ import annotations

from email.message import EmailMessage

from sqlalchemy import func, select

from actions.attachments import attachments_of
from actions.intake import security_record
from actions.queries import show_ticket
from actions.work import claim, resolve
from store.models import Deflection, OutboxMessage, Ticket
from tests.email.conftest import html_of, mail, text_of


def ticket(services, key: str):  # type: ignore[no-untyped-def]
    return show_ticket(services.uow(), key=key, actor_id=None)


def count(services, model) -> int:  # type: ignore[no-untyped-def]
    with services.session_factory() as s:
        return s.scalar(select(func.count()).select_from(model))


def iso_record(services, key: str) -> dict:  # type: ignore[no-untyped-def]
    """The ISO 27001 incident record of ``key`` as stored now."""
    with services.uow() as uow:
        return security_record(uow, uow.tickets.get(key))


def reply_to(sent: EmailMessage, body: str, *, mid: str, subject: str | None = None,
             sender: str = "Lucía Fernández <lucia@example.com>") -> EmailMessage:
    return mail(subject or f"Re: {sent['Subject']}", body, sender=sender, message_id=mid,
                In_Reply_To=sent["Message-ID"], References=sent["Message-ID"])


def test_an_urgent_outage_is_understood_and_acknowledged_with_its_key(inbox, postbox):
    code, text = inbox.send(mail("URGENTE: toda la oficina sin internet",
                                 "No tenemos red en todo el piso desde hace una hora."))
    assert code == 250 and "INC-1 opened" in text
    opened = ticket(inbox.services, "INC-1")
    assert opened.priority in ("P1", "P2") and opened.category == "network"
    assert opened.team == "L2"
    [ack] = postbox.deliver()
    assert ack["To"] == "Lucía Fernández <lucia@example.com>"
    assert ack["Subject"].startswith("[INC-1] ")
    assert ack["In-Reply-To"] == "<m1@mail.example.com>"
    assert "<m1@mail.example.com>" in ack["References"]
    assert ack["Auto-Submitted"] == "auto-replied"
    body = text_of(ack)
    assert body.startswith("Recibimos tu solicitud y abrimos el ticket INC-1")
    assert f"Prioridad: {opened.priority}" in body and "Primera respuesta esperada" in body
    assert "*" not in body and ack.get_body(("html",)) is not None


def test_a_phishing_report_is_a_security_incident_and_the_iso_questions_go_by_mail(inbox,
                                                                                   postbox):
    inbox.send(mail("Correo sospechoso",
                    "Recibí un correo que me pide mi contraseña del banco, creo que es phishing"))
    with inbox.services.session_factory() as s:
        assert s.scalars(select(Ticket.key)).all() == ["SEC-1"]
    [ack] = postbox.deliver()
    assert ack["Subject"].startswith("[SEC-1]")
    assert "(1/4)" in text_of(ack) and "omitir" in text_of(ack)
    inbox.send(reply_to(ack, "En mi portátil, en el correo de la empresa", mid="<r1@x>"))
    [second] = postbox.deliver()
    assert "(2/4)" in text_of(second)
    record = iso_record(inbox.services, "SEC-1")
    assert record["discovered_where"] == "En mi portátil, en el correo de la empresa"


def test_another_problem_during_the_iso_questions_by_mail_is_not_stored_as_the_answer(
        inbox, postbox):
    """Mail has no buttons: the desk asks in words and understands the answer in words."""
    inbox.send(mail("Correo sospechoso",
                    "Recibí un correo que me pide mi contraseña del banco, creo que es phishing"))
    [ack] = postbox.deliver()
    inbox.send(reply_to(ack, "Además la impresora del segundo piso no imprime", mid="<r1@x>"))
    [asked] = postbox.deliver()
    assert "¿Es tu respuesta a la pregunta (1/4) de *SEC-1*" not in text_of(asked)  # unmarked
    assert "(1/4) de SEC-1, o es otro problema?" in text_of(asked)
    assert "«es mi respuesta» o «es otro problema»" in text_of(asked)
    inbox.send(reply_to(asked, "Es mi respuesta", mid="<r2@x>"))
    [second] = postbox.deliver()
    assert "(2/4)" in text_of(second)
    record = iso_record(inbox.services, "SEC-1")
    assert record["discovered_where"] == "Además la impresora del segundo piso no imprime"
    inbox.send(reply_to(second, "Además la impresora del segundo piso no imprime",
                        mid="<r3@x>"))
    [asked] = postbox.deliver()
    inbox.send(reply_to(asked, "Es otro problema", mid="<r4@x>"))
    [paused] = postbox.deliver()
    assert "dejo en pausa las preguntas de SEC-1" in text_of(paused)
    record = iso_record(inbox.services, "SEC-1")
    assert record["discovered_at"] is None


def test_out_of_office_replies_open_nothing_and_get_no_answer(inbox, postbox):
    for n, (subject, headers) in enumerate([
        ("Respuesta automática: Fuera de la oficina", {}),
        ("Out of office: back on Monday", {}),
        ("Automatic reply: VPN", {}),
        ("Vacaciones", {"Auto_Submitted": "auto-replied"}),
        ("Boletín", {"Precedence": "list"}),
        ("Novedades", {"List_Id": "<news.example.com>"}),
        ("Hola", {"X_Autorespond": "yes"}),
    ]):
        code, text = inbox.send(mail(subject, "Estoy de vacaciones hasta el lunes.",
                                     message_id=f"<ooo{n}@x>", **headers))
        assert code == 250 and "no action" in text, subject
    assert count(inbox.services, Ticket) == 0
    assert postbox.deliver() == []


def test_the_whole_journey_by_mail(inbox, postbox, cast):
    services = inbox.services
    inbox.send(mail("La impresora del piso 3 no imprime", "Sale una luz naranja."))
    [ack] = postbox.deliver()
    code, text = inbox.send(reply_to(ack, "Ya la apagué y la prendí, sigue con la luz naranja.",
                                     mid="<r1@x>"))
    assert code == 250 and "comment added to INC-1" in text
    assert count(services, Ticket) == 1
    claim(services.uow(), key="INC-1", actor_id=cast.ana.id)
    resolve(services.uow(), key="INC-1", actor_id=cast.ana.id, summary="Cambié el tóner.")
    notices = postbox.deliver()
    resolved = [m for m in notices if "Cambié el tóner" in text_of(m)]
    assert resolved and "califica la atención del 1 al 5" in text_of(resolved[0])
    code, text = inbox.send(reply_to(resolved[0], "Sí, ya funciona, califico 5", mid="<r2@x>"))
    assert code == 250
    done = ticket(services, "INC-1")
    assert done.status == "closed"
    assert [(a.question_id, a.rating) for a in done.survey] == [("overall", 5)]
    [thanks] = [m for m in postbox.deliver() if m["In-Reply-To"] == "<r2@x>"]
    assert "comentario" in text_of(thanks)
    inbox.send(reply_to(thanks, "Muy rápidos, gracias", mid="<r3@x>"))
    assert [a.comment for a in ticket(services, "INC-1").survey] == ["Muy rápidos, gracias"]


def test_a_not_fixed_reply_reopens(inbox, postbox, cast):
    services = inbox.services
    inbox.send(mail("La impresora del piso 3 no imprime", "Sale una luz naranja."))
    claim(services.uow(), key="INC-1", actor_id=cast.ana.id)
    resolve(services.uow(), key="INC-1", actor_id=cast.ana.id, summary="Cambié el tóner.")
    resolved = [m for m in postbox.deliver() if "Cambié el tóner" in text_of(m)][0]
    inbox.send(reply_to(resolved, "No, sigue igual", mid="<r1@x>"))
    assert ticket(services, "INC-1").status == "in_progress"


def test_solved_by_a_suggested_article_withdraws_the_ticket(inbox, postbox):
    services = inbox.services
    inbox.send(mail("No puedo conectarme a la VPN desde casa", "Me da error al conectar.",
                    message_id="<one@x>"))
    [ack] = postbox.deliver()
    assert "responde «solucionado» y retiraremos" in text_of(ack)  # one article: no number
    inbox.send(reply_to(ack, "Solucionado, gracias", mid="<r0@x>"))
    assert ticket(services, "INC-1").status == "cancelled"
    assert count(services, Deflection) == 1
    postbox.deliver()
    inbox.send(mail("Outlook no sincroniza mis correos", "No me llegan correos nuevos."))
    [ack] = postbox.deliver()
    assert "«solucionado 2»" in text_of(ack) and "2. " in text_of(ack)
    inbox.send(reply_to(ack, "Solucionado 1, gracias", mid="<r1@x>"))
    assert ticket(services, "INC-2").status == "cancelled"
    assert count(services, Deflection) == 2


def test_solved_without_naming_one_of_several_articles_credits_none(inbox, postbox):
    """The deflection figures count the article that solved it, never a guess."""
    services = inbox.services
    inbox.send(mail("Outlook no sincroniza mis correos", "No me llegan correos nuevos."))
    [ack] = postbox.deliver()
    assert "2. " in text_of(ack)
    inbox.send(reply_to(ack, "Solucionado, gracias", mid="<r1@x>"))
    assert ticket(services, "INC-1").status == "cancelled"
    assert count(services, Deflection) == 0
    [answer] = postbox.deliver()
    assert "sin atribuirlo a ningún artículo" in text_of(answer)


def test_an_english_mail_is_answered_in_english(inbox, postbox):
    inbox.send(mail("Laptop won't turn on", "My laptop does not turn on since this morning.",
                    sender="Emma <emma.b@example.com>"))
    [ack] = postbox.deliver()
    assert "We received your request" in text_of(ack) and "Priority:" in text_of(ack)


def test_answers_to_one_sender_are_limited_per_hour(inbox, postbox, monkeypatch):
    settings = inbox.services.settings
    monkeypatch.setitem(settings.raw, "email", {"max_answers_per_hour": 2})
    for n in range(3):
        inbox.send(mail(f"Problema {n} con la impresora", "No imprime nada.",
                        message_id=f"<flood{n}@x>"))
    assert count(inbox.services, Ticket) == 3
    assert len(postbox.deliver()) == 2


def test_a_hostile_mail_is_stored_safely_and_the_next_mail_is_served(inbox, postbox):
    msg = EmailMessage()
    msg["From"] = "x@evil.example"
    msg["To"] = "soporte@desk.example"
    msg["Message-ID"] = "<evil@x>"
    msg["Subject"] = "<script>alert(1)</script> " + "ñ" * 20000  # encoded words, huge
    msg.set_content("<script>alert('x')</script> el sistema no funciona")
    msg.add_attachment(b"\0" * (2 * 1024 * 1024), maintype="application",
                       subtype="octet-stream", filename="../../etc/passwd")
    code, text = inbox.send(msg)
    assert code == 250, text
    with inbox.services.session_factory() as s:
        key = s.scalars(select(Ticket.key)).one()
    with inbox.services.uow() as uow:
        files = attachments_of(uow, uow.tickets.get(key))
    assert [(f.name, f.size) for f in files] == [("passwd", 2 * 1024 * 1024)]
    [ack] = postbox.deliver()
    assert "<script>" not in html_of(ack) and "&lt;script&gt;" in html_of(ack)
    assert inbox.send(mail("Ratón", "No funciona el ratón", message_id="<next@x>"))[0] == 250
    assert count(inbox.services, Ticket) == 2


def test_the_answer_is_queued_once_even_if_the_mail_comes_twice(inbox, postbox):
    inbox.send(mail("La impresora no imprime", "Nada sale."))
    inbox.send(mail("La impresora no imprime", "Nada sale."))
    assert count(inbox.services, Ticket) == 1
    assert count(inbox.services, OutboxMessage) >= 1
    assert len([m for m in postbox.deliver() if m["In-Reply-To"] == "<m1@mail.example.com>"]) == 1


def test_a_failure_before_the_answer_leaves_nothing_and_the_retry_does_the_work(
        inbox, postbox, monkeypatch):
    import actions.email.intake as intake

    def crash(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("the database went away before the answer was queued")

    monkeypatch.setattr(intake, "finish", crash)
    code, _ = inbox.send(mail("La impresora no imprime", "Nada sale."))
    assert code == 451  # the sending server will retry
    monkeypatch.undo()
    assert count(inbox.services, Ticket) == 0  # one unit of work: no ticket without its answer
    code, text = inbox.send(mail("La impresora no imprime", "Nada sale."))
    assert code == 250 and "INC-1 opened" in text
    [ack] = postbox.deliver()
    assert ack["Subject"].startswith("[INC-1]") and "abrimos el ticket INC-1" in text_of(ack)
