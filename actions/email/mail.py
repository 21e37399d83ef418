"""An inbound message as the email channel hands it to the desk, and what the desk did with it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from actions.attachments import MAX_BYTES, MAX_FILES, IncomingFile
from actions.settings import Settings


@dataclass(frozen=True)
class Mail:
    """A parsed message: who wrote, what it replies to, the new text (quotes cut), its files."""

    message_id: str
    sender: str  # lower-case address
    sender_name: str | None
    subject: str
    text: str
    in_reply_to: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    automatic: str | None = None  # why it is an automatic message (never answered), or None
    files: tuple[IncomingFile, ...] = field(default=())


@dataclass(frozen=True)
class Outcome:
    """``action``: opened | commented | answered | duplicate | ignored."""

    action: str
    key: str | None = None
    detail: str = ""


class MailRefused(Exception):
    """The desk will never take this message (no sender, nothing written, not allowed)."""

    def __init__(self, reason: str, code: str = "5.6.0") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


@dataclass(frozen=True)
class EmailSettings:
    """config.yml ``email:``: how much the desk answers and keeps."""

    max_answers_per_hour: int = 10
    attachment_max_bytes: int = MAX_BYTES
    max_attachments: int = MAX_FILES

    @classmethod
    def of(cls, settings: Settings) -> EmailSettings:
        raw: dict[str, Any] = (settings.raw or {}).get("email") or {}
        return cls(max_answers_per_hour=int(raw.get("max_answers_per_hour", 10)),
                   attachment_max_bytes=int(raw.get("attachment_max_bytes", MAX_BYTES)),
                   max_attachments=int(raw.get("max_attachments", MAX_FILES)))
