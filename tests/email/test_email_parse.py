"""Reading mail as people write it: replies, signatures, HTML, headers that lie or are missing."""

from __future__ import annotations

import pytest

from actions.email.ids import key_in_subject, normalise_id
from bot.email.parse import Unreadable, html_to_text, parse_mail, strip_reply


@pytest.mark.parametrize("text", [
    "Sigue sin funcionar.\n\nEl lun, 23 nov 2026 a las 9:15, Soporte TI <s@x.com>\nescribió:\n"
    "> ¿Ya reiniciaste?",
    "Sigue sin funcionar.\nOn Mon, Nov 23, 2026 at 9:15 AM Support <s@x.com> wrote:\n> Did you?",
    "Sigue sin funcionar.\n\nDe: Soporte TI <s@x.com>\nEnviado: lunes, 23 de noviembre\n"
    "Para: Lucía\nAsunto: RE: [INC-4] VPN\n\nTexto anterior",
    "Sigue sin funcionar.\n-----Original Message-----\nFrom: x",
    "Sigue sin funcionar.\n\n-- \nLucía Fernández\nContabilidad",
    "Sigue sin funcionar.\n\nEnviado desde mi iPhone",
    "> cita arriba\nSigue sin funcionar.",
])
def test_only_the_new_text_of_a_reply_is_kept(text):
    assert strip_reply(text) == "Sigue sin funcionar."


def test_text_that_merely_mentions_from_is_kept():
    text = "From: the error dialog says 'denied'.\nIt happens every morning."
    assert strip_reply(text) == text


def test_html_becomes_readable_text():
    html = ('<div dir="ltr">Hola,<br>no arranca <b>Outlook</b> &lt;2016&gt;.<div><br></div>'
            '<div class="gmail_quote">El lun escribió:<blockquote>viejo</blockquote></div></div>'
            '<script>alert(1)</script>')
    assert html_to_text(html) == "Hola,\nno arranca Outlook <2016>."


def test_headers_are_read_forgivingly():
    raw = (b"From: =?utf-8?q?Luc=C3=ADa?= <LUCIA@Example.com>\r\n"
           b"Subject: =?iso-8859-1?q?Contrase=F1a?=\r\n"
           b"In-Reply-To: <a@x>\r\nReferences: <root@x>\r\n <a@x>\r\n"
           b"Content-Type: text/plain; charset=unknown-8bit-thing\r\n\r\n"
           b"No puedo entrar\r\n")
    mail = parse_mail(raw)
    assert (mail.sender, mail.sender_name, mail.subject) == ("lucia@example.com", "Lucía",
                                                            "Contraseña")
    assert mail.message_id.endswith("@no-message-id.invalid>")  # stable: a digest of the bytes
    assert parse_mail(raw).message_id == mail.message_id and mail.text == "No puedo entrar"
    assert mail.in_reply_to == ("<a@x>",) and mail.references == ("<root@x>", "<a@x>")
    assert not mail.automatic


def test_the_envelope_sender_stands_in_for_a_missing_from():
    assert parse_mail(b"Subject: hi\r\n\r\nbody", "bob@example.com").sender == "bob@example.com"
    with pytest.raises(Unreadable):
        parse_mail(b"Subject: hi\r\n\r\nbody", None)


@pytest.mark.parametrize("headers", [
    b"Auto-Submitted: auto-replied\r\n", b"Precedence: bulk\r\n", b"X-Autoreply: yes\r\n",
    b"Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n",
    b"Precedence: list\r\n", b"Precedence: junk\r\n", b"Precedence: auto_reply\r\n",
    b"X-Autorespond: yes\r\n", b"List-Id: <news.example.com>\r\n", b"Return-Path: <>\r\n",
])
def test_automatic_mail_is_recognised(headers):
    raw = b"From: a@example.com\r\n" + headers + b"Subject: x\r\n\r\nbody"
    assert parse_mail(raw, "a@example.com").automatic


@pytest.mark.parametrize("subject", [
    "Respuesta automática: Vacaciones", "RESPUESTA AUTOMATICA", "Fuera de la oficina",
    "Out of office: back Monday", "Automatic reply: VPN", "Out of the Office",
])
def test_automatic_reply_subjects_are_recognised(subject):
    raw = f"From: a@example.com\r\nSubject: {subject}\r\n\r\nbody".encode()
    assert parse_mail(raw).automatic == "automatic reply subject"


def test_a_null_envelope_sender_is_automatic_and_a_person_is_not():
    raw = b"From: a@example.com\r\nSubject: La impresora\r\n\r\nNo imprime"
    assert parse_mail(raw, "").automatic == "null return path"
    assert parse_mail(raw, "a@example.com").automatic is None


def test_attachment_names_are_labels_not_paths():
    from email.message import EmailMessage

    from actions.attachments import safe_name, screen

    msg = EmailMessage()
    msg["From"] = "a@example.com"
    msg.set_content("adjunto")
    msg.add_attachment(b"root:x:0:0", maintype="text", subtype="plain",
                       filename="../../etc/passwd")
    [file] = parse_mail(bytes(msg)).files
    assert file.name == "../../etc/passwd" and file.data == b"root:x:0:0"
    [(info, _)] = screen([file])
    assert info.name == "passwd" and info.kept
    assert safe_name("..\\..\\windows\\system.ini") == "system.ini"
    assert safe_name("\x00\x1b[31m.bashrc") == "31m.bashrc"
    assert safe_name("....") == "attachment"


def test_keys_and_ids():
    assert key_in_subject("RE: RV: [ inc-12 ] algo") == "INC-12"
    assert key_in_subject("INC-12 sin corchetes") is None
    assert normalise_id("  <abc@x>  ") == "<abc@x>"
    assert normalise_id("abc@x") == "<abc@x>"
    assert normalise_id("") is None
    long = normalise_id("<" + "a" * 300 + "@x>")
    assert long is not None and len(long) < 255 and long.endswith("@long-id.invalid>")
