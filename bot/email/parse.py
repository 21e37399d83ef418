"""Reading an inbound message: who sent it, what it replies to, and the new text in it.

Standard library only (``email`` with the default policy). The text is the ``text/plain`` part
when there is one, else the HTML part reduced to text; then the quoted previous message, the
attribution line above it ("On ... wrote:", "El ... escribió:", Outlook's "From:/Sent:" block)
and the signature are cut, so a reply becomes a comment that says only what is new.
"""

from __future__ import annotations

import hashlib
import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr
from html.parser import HTMLParser

from actions.attachments import IncomingFile
from actions.email.ids import message_ids, normalise_id
from actions.email.mail import Mail


class Unreadable(ValueError):
    """The bytes are not a message the desk can act on (no sender, not mail at all)."""


MAX_SUBJECT = 1000  # characters kept of a (decoded) subject; titles use far fewer
_AUTO_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
_DAEMONS = ("mailer-daemon", "postmaster", "no-reply", "noreply", "do-not-reply", "donotreply")
_AUTO_SUBJECT = re.compile(
    r"^\s*(respuesta autom[aá]tica|fuera de la oficina|out of (the )?office|automatic reply|"
    r"auto(matic)?[- ]?reply|autoresponder|auto[- ]response|r[ée]ponse automatique|"
    r"delivery status notification|undeliverable|no se puede entregar|"
    r"mail delivery (failed|failure))\b", re.IGNORECASE)


def parse_mail(raw: bytes, envelope_from: str | None = None) -> Mail:
    """Parse ``raw``; raises Unreadable for anything that has no usable sender."""
    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        sender_name, sender = _sender(msg, envelope_from)
        subject = " ".join(_header(msg, "Subject")[:MAX_SUBJECT * 4].split())[:MAX_SUBJECT]
        mail = Mail(
            message_id=normalise_id(_header(msg, "Message-ID")) or digest_id(raw),
            sender=sender, sender_name=sender_name, subject=subject,
            text=strip_reply(body_text(msg)),
            in_reply_to=tuple(message_ids(_header(msg, "In-Reply-To"))[:20]),
            references=tuple(message_ids(_header(msg, "References"))[-20:]),
            automatic=automatic(msg, sender, envelope_from, subject),
            files=tuple(attachments(msg)),
        )
    except Unreadable:
        raise
    except Exception as exc:  # noqa: BLE001 - malformed mail of any kind is refused, not a crash
        raise Unreadable(f"message not understood ({type(exc).__name__})") from exc
    return mail


def _header(msg: EmailMessage, name: str) -> str:
    try:
        return str(msg.get(name, "") or "")
    except Exception:  # noqa: BLE001 - a header the parser cannot decode reads as empty
        return ""


def digest_id(raw: bytes) -> str:
    """A stable id for a message that has no Message-ID: the same bytes, the same id."""
    return f"<{hashlib.sha256(raw).hexdigest()}@no-message-id.invalid>"


def _sender(msg: EmailMessage, envelope_from: str | None) -> tuple[str | None, str]:
    name: str | None
    name, address = parseaddr(_header(msg, "From"))
    if "@" not in address:
        name, address = None, (envelope_from or "").strip("<> ")
    if "@" not in address or len(address) > 320 or any(c.isspace() for c in address):
        raise Unreadable("no sender address")
    return (name.strip()[:200] or None) if name else None, address.lower()


def automatic(msg: EmailMessage, sender: str, envelope_from: str | None,
              subject: str) -> str | None:
    """Why a message was sent by a program (RFC 3834 and the usual signs), or None.

    Such mail never opens a ticket and is never answered: that is how mail loops start.
    """
    auto = _header(msg, "Auto-Submitted").strip().lower() or "no"
    precedence = _header(msg, "Precedence").strip().lower()
    if auto != "no":
        return f"Auto-Submitted: {auto[:40]}"
    if precedence in _AUTO_PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond", "List-Id", "List-Unsubscribe", "X-Loop"):
        if name in msg:
            return f"{name} header"
    if msg.get_content_type() == "multipart/report":
        return "delivery status notification"
    if envelope_from is not None and envelope_from.strip() in ("", "<>"):
        return "null return path"
    if _header(msg, "Return-Path").strip() == "<>":
        return "null return path"
    if sender.split("@")[0] in _DAEMONS:
        return "sent by a mail system"
    if _AUTO_SUBJECT.match(subject or ""):
        return "automatic reply subject"
    return None


def attachments(msg: EmailMessage) -> list[IncomingFile]:
    """The files of a message (attachments and named inline parts), decoded."""
    files: list[IncomingFile] = []
    for part in msg.iter_attachments():
        if part.is_multipart():
            continue
        try:
            data = part.get_payload(decode=True)
        except Exception:  # noqa: BLE001 - a broken part is skipped, the message is kept
            continue
        if not isinstance(data, bytes):
            continue
        name = part.get_filename() or ""
        files.append(IncomingFile(name=str(name), content_type=part.get_content_type(),
                                  data=data))
    return files


def body_text(msg: EmailMessage) -> str:
    """The plain text of a message: text/plain preferred, HTML reduced to text otherwise."""
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, AssertionError):  # unknown charset, broken encoding
        payload = part.get_payload(decode=True)
        raw = payload if isinstance(payload, bytes) else b""
        content = raw.decode("utf-8", errors="replace")
    if not isinstance(content, str):
        return ""
    text = html_to_text(content) if part.get_content_subtype() == "html" else content
    return text.replace("\r\n", "\n").replace("\r", "\n")


class _TextExtractor(HTMLParser):
    SKIP = {"script", "style", "head", "title", "blockquote"}
    BREAK = {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "hr"}
    VOID = {"br", "hr", "img", "meta", "link", "input", "wbr", "col", "area", "base"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0  # depth inside a skipped element (quotes, scripts)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skip:
            if tag not in self.VOID:
                self.skip += 1
            return
        classes = " ".join(v or "" for k, v in attrs if k in ("class", "id"))
        if tag in self.SKIP or "gmail_quote" in classes or "divRplyFwdMsg" in classes:
            self.skip = 0 if tag in self.VOID else 1
            return
        if tag in self.BREAK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self.skip:
            self.skip -= 1
        elif tag in self.BREAK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Readable text of an HTML mail part, without the quoted message it replies to."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


_ATTRIBUTION = re.compile(
    r"^\s*(on|el|le|am|em)\b.{0,300}\b(wrote|escribió|escribio|a écrit|schrieb|escreveu)\s*:\s*$",
    re.IGNORECASE)
_ORIGINAL = re.compile(r"^\s*-{2,}\s*(original message|mensaje original|forwarded message|"
                       r"mensaje reenviado)\s*-{2,}\s*$", re.IGNORECASE)
_HEADER_BLOCK = re.compile(r"^\s*(from|de)\s*:\s*\S", re.IGNORECASE)
_HEADER_NEXT = re.compile(r"^\s*(sent|enviado|date|fecha|to|para|subject|asunto)\s*:",
                          re.IGNORECASE)
_MOBILE = re.compile(r"^\s*(sent from my|enviado desde mi|get outlook for|obtener outlook para)",
                     re.IGNORECASE)


def strip_reply(text: str) -> str:
    """The new part of a reply: stop at the quoted message or the signature, drop ``>`` lines."""
    lines = text.replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    for i, line in enumerate(lines):
        joined = f"{line} {lines[i + 1]}" if i + 1 < len(lines) else line
        if line.rstrip() in ("--", "-- ", "__") or _ORIGINAL.match(line) or _MOBILE.match(line):
            break
        if _ATTRIBUTION.match(line) or (line.strip() and _ATTRIBUTION.match(joined)):
            break
        if _HEADER_BLOCK.match(line) and any(_HEADER_NEXT.match(n) for n in lines[i + 1:i + 4]):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line.rstrip())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()
