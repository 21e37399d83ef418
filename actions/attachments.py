"""Files kept with a ticket: what they are called, how big, of what type, and where they are.

The desk stores where a file lives (a Slack file's private URL, a mail's attachment reference),
not its bytes. Any channel records them the same way: Slack when a file is shared with a message
of a ticket's thread, email when a reply carries attachments (``attach`` is the use case the
email channel calls). The same file shared twice is recorded once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from actions.access import require_party
from actions.common import locked, now, touch
from store.errors import InvalidInput
from store.models import Attachment, Person, Ticket
from store.uow import UnitOfWork

MAX_FILES = 20  # per message: more is not a person sharing files


@dataclass(frozen=True)
class FileRef:
    """A file as a channel describes it."""

    name: str
    size: int | None = None
    mimetype: str | None = None
    url: str | None = None
    ref: str | None = None  # the channel's own id of the file (Slack file id, Message-ID+part)

    @classmethod
    def from_slack(cls, item: dict[str, Any]) -> FileRef:
        size = item.get("size")
        return cls(name=str(item.get("name") or item.get("title") or "file")[:255],
                   size=int(size) if isinstance(size, int | float) else None,
                   mimetype=str(item.get("mimetype") or "")[:128] or None,
                   url=str(item.get("url_private") or item.get("permalink") or "") or None,
                   ref=str(item.get("id") or "")[:255] or None)


@dataclass(frozen=True)
class AttachmentView:
    name: str
    size: int | None
    mimetype: str | None
    url: str | None
    source: str
    added_at: str


def attach(uow: UnitOfWork, *, key: str, actor_id: int, files: Iterable[FileRef],
           source: str) -> list[AttachmentView]:
    """Record ``files`` on ticket ``key`` shared by ``actor_id`` (its requester or staff)."""
    wanted = list(files)[:MAX_FILES]
    if not wanted:
        raise InvalidInput("empty_text", field="files")
    with uow:
        ticket, actor = locked(uow, key, actor_id)
        require_party(actor, ticket, "comment")
        at = now()
        known = set(uow.session.scalars(select(Attachment.source_ref).where(
            Attachment.ticket_id == ticket.id, Attachment.source_ref.is_not(None))))
        added = []
        for item in wanted:
            if item.ref and item.ref in known:
                continue
            uow.session.add(Attachment(ticket_id=ticket.id, name=item.name, size=item.size,
                                       mimetype=item.mimetype, url=item.url, source=source,
                                       source_ref=item.ref, added_by=actor.id, added_at=at))
            added.append(item)
        if added:
            uow.events.append(ticket, "attached", actor=actor, at=at, payload={
                "files": [{"name": f.name, "size": f.size, "mimetype": f.mimetype}
                          for f in added]})
            touch(ticket, at)
        uow.commit()
        return attachments_of(uow, ticket)


def attach_in_thread(uow: UnitOfWork, *, channel: str, thread_ref: str, actor_id: int,
                     files: Iterable[FileRef], source: str) -> list[AttachmentView]:
    """Files shared in a ticket's thread go to that ticket; a thread without one keeps none."""
    with uow:
        ticket = uow.session.scalars(
            select(Ticket).where(Ticket.channel == channel, Ticket.channel_ref == thread_ref)
            .order_by(Ticket.id.desc()).limit(1)).unique().first()
        key = ticket.key if ticket is not None else None
    if key is None:
        return []
    return attach(uow, key=key, actor_id=actor_id, files=files, source=source)


def attachments_of(uow: UnitOfWork, ticket: Ticket) -> list[AttachmentView]:
    rows = uow.session.scalars(select(Attachment).where(Attachment.ticket_id == ticket.id)
                               .order_by(Attachment.id)).all()
    return [AttachmentView(name=a.name, size=a.size, mimetype=a.mimetype, url=a.url,
                           source=a.source, added_at=a.added_at.isoformat()) for a in rows]


# -- files whose bytes the channel hands over (mail attachments) -------------------------------

MAX_BYTES = 5 * 1024 * 1024  # per file
_UNSAFE = re.compile(r"[^\w .()+\-]", re.UNICODE)


@dataclass(frozen=True)
class IncomingFile:
    """A file as a channel received it, bytes included; ``name`` may be anything the sender
    chose (``../../etc/passwd``)."""

    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class FileInfo:
    """A received file as people are told about it: kept, or refused and why."""

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


def screen(files: Iterable[IncomingFile], *, max_bytes: int = MAX_BYTES,
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


def store_files(uow: UnitOfWork, ticket: Ticket, person: Person | None,
                screened: list[tuple[FileInfo, IncomingFile]], *, source: str,
                source_ref: str | None = None) -> list[FileInfo]:
    """Inside the caller's transaction: keep the accepted files' bytes with the ticket and
    record one public event."""
    at = now()
    kept = [info for info, _ in screened if info.kept]
    for number, (info, file) in enumerate(screened, start=1):
        if info.kept:
            uow.session.add(Attachment(
                ticket_id=ticket.id, name=info.name, size=info.size,
                mimetype=info.content_type, source=source, data=file.data,
                source_ref=f"{source_ref}#{number}"[:255] if source_ref else None,
                added_by=person.id if person else None, added_at=at))
    if kept:
        uow.events.append(ticket, "attached", actor=person, at=at, payload={
            "files": [{"name": i.name, "size": i.size, "mimetype": i.content_type}
                      for i in kept]})
    return [info for info, _ in screened]
