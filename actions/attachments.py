"""Files kept with a ticket: a screenshot of the error, a log, a photo of the broken screen.

Channels hand over what arrived (name, type, bytes); this decides what is kept. Each file has a
size limit and each message a count limit; a name is reduced to a harmless label (no folders, no
control characters, no leading dots), so ``../../etc/passwd`` is kept as ``passwd``. Files live in
the database with the ticket and are never written to disk under the name someone chose.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import select

from actions.common import now
from store.models import Attachment, Person, Ticket
from store.uow import UnitOfWork

MAX_BYTES = 5 * 1024 * 1024  # per file
MAX_FILES = 10  # per message
_UNSAFE = re.compile(r"[^\w .()+\-]", re.UNICODE)


@dataclass(frozen=True)
class IncomingFile:
    """A file as a channel received it; ``name`` may be anything the sender chose."""

    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class FileInfo:
    """A kept (or refused) file as people see it."""

    name: str
    content_type: str
    size: int
    kept: bool = True
    reason: str = ""  # too_big | too_many, when not kept


def safe_name(name: str | None, *, fallback: str = "attachment") -> str:
    """A file name that is only a label: the last path part, printable, at most 120 chars."""
    text = unicodedata.normalize("NFC", name or "")
    text = re.split(r"[\\/]", text)[-1]
    text = "".join(c for c in text if unicodedata.category(c)[0] != "C")
    text = _UNSAFE.sub("_", text).strip(" ._")
    if len(text) > 120:
        stem, dot, ext = text.rpartition(".")
        text = (stem[:110] + dot + ext[:9]) if dot and len(ext) <= 9 else text[:120]
    return text or fallback


def _content_type(value: str) -> str:
    value = (value or "").strip().lower()
    return value if re.fullmatch(r"[a-z0-9.+\-]+/[a-z0-9.+\-]+", value) and len(value) <= 127 \
        else "application/octet-stream"


def screen(files: tuple[IncomingFile, ...] | list[IncomingFile], *, max_bytes: int = MAX_BYTES,
           max_files: int = MAX_FILES) -> list[tuple[FileInfo, IncomingFile]]:
    """Decide which files are kept; the refused ones say why (the sender is told)."""
    out: list[tuple[FileInfo, IncomingFile]] = []
    for index, file in enumerate(files):
        info = FileInfo(safe_name(file.name), _content_type(file.content_type), len(file.data))
        if index >= max_files:
            info = FileInfo(info.name, info.content_type, info.size, False, "too_many")
        elif len(file.data) > max_bytes:
            info = FileInfo(info.name, info.content_type, info.size, False, "too_big")
        out.append((info, file))
    return out


def attach(uow: UnitOfWork, ticket: Ticket, person: Person | None,
           screened: list[tuple[FileInfo, IncomingFile]], *, source: str) -> list[FileInfo]:
    """Inside the caller's transaction: store the kept files and record one public event."""
    kept = [info for info, _ in screened if info.kept]
    for info, file in screened:
        if info.kept:
            uow.session.add(Attachment(ticket_id=ticket.id,
                                       person_id=person.id if person else None,
                                       name=info.name, content_type=info.content_type,
                                       size=info.size, data=file.data, source=source,
                                       created_at=now()))
    if kept:
        uow.events.append(ticket, "attached", actor=person, payload={
            "files": [{"name": i.name, "size": i.size} for i in kept], "source": source})
    return [info for info, _ in screened]


def list_attachments(uow: UnitOfWork, *, key: str) -> list[dict[str, object]]:
    """The files of a ticket, oldest first (no contents)."""
    with uow:
        ticket = uow.tickets.get(key)
        rows = uow.session.execute(
            select(Attachment.id, Attachment.name, Attachment.content_type, Attachment.size,
                   Attachment.created_at, Attachment.source)
            .where(Attachment.ticket_id == ticket.id).order_by(Attachment.id)).all()
        return [{"id": r.id, "name": r.name, "content_type": r.content_type, "size": r.size,
                 "at": r.created_at, "source": r.source} for r in rows]
