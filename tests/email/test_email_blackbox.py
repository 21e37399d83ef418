"""An email-only desk as a real process: ``deskbot run`` with no Slack variables, real SMTP in
(its listener) and out (a recording server), tickets read back with ``deskbot ticket show``."""

from __future__ import annotations

import json
import os
import smtplib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import SMTP, default
from pathlib import Path
from typing import Any

import pytest

from tests.email.conftest import Sink, mail, text_of, wait_for

DESKBOT = Path(sys.executable).with_name("deskbot")
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MailDesk:
    def __init__(self, env: dict[str, str], port: int, sink: Sink, log: Path) -> None:
        self.env, self.port, self.sink, self.log = env, port, sink, log
        self.process: subprocess.Popen[bytes] | None = None

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([str(DESKBOT), *args], env=self.env, capture_output=True,
                              text=True, timeout=60, cwd=ROOT)
        assert not check or done.returncode == 0, done.stderr
        return done

    def ticket(self, key: str) -> dict[str, Any]:
        return json.loads(self.cli("ticket", "show", key, "--json").stdout)

    def tickets(self) -> list[dict[str, Any]]:
        return json.loads(self.cli("ticket", "list", "--json").stdout)

    def send(self, msg: EmailMessage) -> tuple[int, str]:
        with smtplib.SMTP("127.0.0.1", self.port, timeout=120) as smtp:
            smtp.ehlo()
            smtp.mail("someone@example.com")
            smtp.rcpt("soporte@desk.example")
            code, text = smtp.data(msg.as_bytes(policy=SMTP))
        return code, text.decode()

    def mails_about(self, message_id: str, to: str = "lucia@example.com") -> list[EmailMessage]:
        """The desk's answers to one of ``to``'s mails."""
        return [m for m in self.mails_to(to) if m["In-Reply-To"] == message_id]

    def mails_to(self, address: str) -> list[EmailMessage]:
        return [message_from_bytes(d, policy=default) for _, rcpt, d in self.sink.messages
                if address in rcpt]

    def stderr(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MailDesk]:
    from bot.email.server import EmailServer

    tmp = tmp_path_factory.mktemp("maildesk")
    sink = Sink()
    with EmailServer(sink, "127.0.0.1", 0) as out:
        port = _free_port()
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("SLACK_", "DESKBOT_"))}
        env.update({"DESKBOT_DATABASE_URL": f"sqlite:///{tmp / 'desk.db'}",
                    "DESKBOT_CONFIG": str(ROOT / "config.yml"),
                    "DESKBOT_EMAIL_LISTEN": f"127.0.0.1:{port}",
                    "DESKBOT_SMTP_HOST": "127.0.0.1", "DESKBOT_SMTP_PORT": str(out.port),
                    "DESKBOT_SMTP_FROM": "Soporte TI <soporte@desk.example>"})
        desk = MailDesk(env, port, sink, tmp / "run.log")
        desk.cli("db", "upgrade")
        desk.cli("people", "add", "--name", "Luis Pérez", "--email", "luis@desk.example",
                 "--role", "technician", "--team", "L2")
        with desk.log.open("wb") as err:
            desk.process = subprocess.Popen([str(DESKBOT), "run"], env=env, cwd=ROOT,
                                            stdout=subprocess.DEVNULL, stderr=err)
        wait_for(lambda: "receiving mail by SMTP" in desk.stderr()
                 or desk.process.poll() is not None)  # type: ignore[union-attr]
        assert desk.process.poll() is None, desk.stderr()
        yield desk
        desk.process.terminate()
        assert desk.process.wait(timeout=20) == 0, desk.stderr()[-3000:]
        assert "Traceback" not in desk.stderr(), desk.stderr()


def test_the_whole_journey_by_mail_on_an_email_only_desk(desk: MailDesk) -> None:
    sent = time.monotonic()
    code, text = desk.send(mail("URGENTE: toda la oficina sin internet",
                                "No tenemos red en todo el piso.", message_id="<bb1@x>"))
    assert code == 250 and "opened" in text, text
    [ack] = wait_for(lambda: desk.mails_about("<bb1@x>"))
    print(f"acknowledgement after {time.monotonic() - sent:.2f} s")
    key = ack["X-Deskbot-Ticket"]
    assert ack["Subject"].startswith(f"[{key}]") and key in text_of(ack)
    ticket = desk.ticket(key)
    assert ticket["priority"] in ("P1", "P2") and ticket["team"] == "L2"
    # The L2 technician has no Slack: the new ticket reaches him by mail.
    [routed] = wait_for(lambda: desk.mails_to("luis@desk.example"))
    assert key in routed["Subject"] and "P" in text_of(routed)
    code, text = desk.send(mail(f"Re: {ack['Subject']}", "Seguimos sin red, ya reiniciamos.",
                                message_id="<bb2@x>", In_Reply_To=ack["Message-ID"]))
    assert f"comment added to {key}" in text
    assert len(desk.tickets()) == 1
    # The technician works it in the console channel (the same use cases as Slack).
    done = subprocess.run([str(DESKBOT), "chat", "--as", "Luis Pérez", "--deliver", "console"],
                          input=f"/ticket claim {key}\n/ticket resolve {key} Reiniciamos el "
                                "switch del piso.\n", env=desk.env, capture_output=True,
                          text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    resolved = wait_for(lambda: [m for m in desk.mails_to("lucia@example.com")
                                 if "Reiniciamos el switch" in text_of(m)])[0]
    assert "califica la atención del 1 al 5" in text_of(resolved)
    desk.send(mail(f"Re: {resolved['Subject']}", "Sí, ya funciona, califico 5",
                   message_id="<bb7@x>", In_Reply_To=resolved["Message-ID"]))
    closed = desk.ticket(key)
    assert closed["status"] == "closed"
    assert [a["rating"] for a in closed["survey"]] == [5]


def test_phishing_duplicates_and_out_of_office(desk: MailDesk) -> None:
    before = len(desk.tickets())
    phishing = mail("Correo sospechoso", "Me llegó un correo pidiendo mi contraseña, "
                    "creo que es phishing", message_id="<bb3@x>")
    assert "SEC-" in desk.send(phishing)[1]
    assert "already received" in desk.send(phishing)[1]
    code, text = desk.send(mail("Respuesta automática: Fuera de la oficina", "Vuelvo el lunes",
                                message_id="<bb4@x>"))
    assert code == 250 and "no action" in text
    assert len(desk.tickets()) == before + 1
    wait_for(lambda: desk.mails_about("<bb3@x>"))
    time.sleep(0.5)  # the desk answers within a second; give it a chance to misbehave
    assert len(desk.mails_about("<bb3@x>")) == 1 and desk.mails_about("<bb4@x>") == []


def test_a_hostile_mail_is_stored_safely_and_listed(desk: MailDesk) -> None:
    msg = EmailMessage()
    msg["From"] = "x@evil.example"
    msg["Message-ID"] = "<bb5@x>"
    msg["Subject"] = "<script>alert(1)</script> " + "ñ" * 20000
    msg.set_content("<script>alert('x')</script> el sistema no funciona")
    msg.add_attachment(b"A" * (2 * 1024 * 1024), maintype="application",
                       subtype="octet-stream", filename="../../etc/passwd")
    code, text = desk.send(msg)
    assert code == 250, text
    key = text.rsplit("ticket ", 1)[1].split()[0]
    shown = desk.cli("ticket", "show", key).stdout
    assert "passwd  2097152 bytes" in shown and "../" not in shown
    assert desk.send(mail("Ratón", "No funciona el ratón", message_id="<bb6@x>"))[0] == 250
