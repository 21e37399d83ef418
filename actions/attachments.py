"""Files kept with a ticket: what they are called, how big, of what type, and where they are.

The desk stores where a file lives (a Slack file's private URL, a mail's attachment reference),
not its bytes. Any channel records them the same way: Slack when a file is shared with a message
of a ticket's thread, email when a reply carries attachments (``attach`` is the use case the
email channel calls). The same file shared twice is recorded once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from actions.access import require_party
from actions.common import locked, now, touch
from store.errors import InvalidInput
from store.models import Attachment, Ticket
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
