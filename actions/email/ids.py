"""Message-IDs and ticket keys in mail headers: how a reply finds its ticket (both directions).

Outbound notifications carry ``<deskbot.INC-12.<hash of the outbox key>@domain>``: the same outbox
message always gets the same Message-ID (a resend is recognisably the same mail), and a reply to
it names the ticket in its In-Reply-To/References even when the requester changed the subject.
Each ticket also has a synthetic thread root ``<deskbot.INC-12.thread@domain>`` that every
notification references, so mail clients keep one conversation per ticket.
"""

from __future__ import annotations

import hashlib
import re

KEY_PATTERN = r"(?:INC|REQ|SEC)-\d+"
SUBJECT_KEY = re.compile(rf"\[\s*({KEY_PATTERN})\s*\]", re.IGNORECASE)
_DESK_ID = re.compile(rf"^<deskbot\.({KEY_PATTERN})\.", re.IGNORECASE)
#: One of the desk's mails (``<deskbot.desk.<digest>@domain>``, ``<deskbot.SEC-2.<digest>@...>``):
#: the digest of its outbox key finds the answer, and so the conversation, a reply is about.
_ANSWER_ID = re.compile(r"^<deskbot\.[^.<>@]+\.([0-9a-f]{32})@", re.IGNORECASE)
_ID = re.compile(r"<[^<>\s]+>")
MAX_ID = 250  # processed_events.key and tickets.channel_ref hold 255 characters


def key_in_subject(subject: str) -> str | None:
    """``Re: [inc-12] Printer`` -> ``INC-12``."""
    match = SUBJECT_KEY.search(subject or "")
    return match.group(1).upper() if match else None


def message_ids(header: str | None) -> list[str]:
    """Every ``<id>`` in an In-Reply-To or References header, in order."""
    return _ID.findall(header or "")


def key_in_desk_id(message_id: str) -> str | None:
    match = _DESK_ID.match(message_id or "")
    return match.group(1).upper() if match else None


def answer_digest(message_id: str) -> str | None:
    """The outbox-key digest one of the desk's Message-IDs carries, or None."""
    match = _ANSWER_ID.match(message_id or "")
    return match.group(1).lower() if match else None


def key_digest(outbox_key: str) -> str:
    """What a Message-ID carries of its outbox key: the same key, the same Message-ID."""
    return hashlib.sha256(outbox_key.encode()).hexdigest()[:32]


def normalise_id(value: str | None) -> str | None:
    """A Message-ID as ``<local@domain>``; long ones are replaced by a digest of themselves."""
    found = message_ids(value)
    if found:
        value = found[0]
    elif value and value.strip() and " " not in value.strip():
        value = f"<{value.strip().strip('<>')}>"
    else:
        return None
    if len(value) > MAX_ID:
        value = f"<{hashlib.sha256(value.encode()).hexdigest()}@long-id.invalid>"
    return value


def dedupe_key(message_id: str) -> str:
    """The ``processed_events`` key of an inbound message."""
    return f"email:{message_id}"[:255]


def outbound_id(outbox_key: str, ticket_key: str | None, domain: str) -> str:
    return f"<deskbot.{ticket_key or 'desk'}.{key_digest(outbox_key)}@{domain}>"


def thread_root(ticket_key: str, domain: str) -> str:
    return f"<deskbot.{ticket_key}.thread@{domain}>"
