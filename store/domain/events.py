"""What happened to a ticket, as values. A transition of ``store.domain.ticket.Ticket`` returns
these; the repository writes each as an ``events`` row (``type`` + ``payload``), from which the
notifier queues the outbox messages in the same commit.

The payloads are exactly the ones stored before the aggregate existed: history, the audit export,
reports and templates read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar


@dataclass(frozen=True)
class TicketEvent:
    at: datetime
    actor_id: int | None  # None: the desk itself (an escalation on SLA breach)

    type: ClassVar[str] = "event"
    visibility: ClassVar[str] = "public"

    def payload(self) -> dict[str, Any]:
        return {}


@dataclass(frozen=True)
class Claimed(TicketEvent):
    assignee: str
    status: str

    type: ClassVar[str] = "claimed"

    def payload(self) -> dict[str, Any]:
        return {"assignee": self.assignee, "status": self.status}


@dataclass(frozen=True)
class Commented(TicketEvent):
    text: str
    by_requester: bool
    handover: bool = False

    type: ClassVar[str] = "commented"

    def payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"text": self.text, "by_requester": self.by_requester}
        if self.handover:
            payload["handover"] = True
        return payload


@dataclass(frozen=True)
class Noted(TicketEvent):
    """A private note, or the reason given for a transfer or escalation (``about``)."""

    text: str
    about: str | None = None

    type: ClassVar[str] = "noted"
    visibility: ClassVar[str] = "internal"

    def payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"text": self.text}
        if self.about:
            payload["about"] = self.about
        return payload


@dataclass(frozen=True)
class Transferred(TicketEvent):
    from_team: str | None
    to_team: str | None
    from_assignee: str | None
    to_assignee: str | None
    status: str

    type: ClassVar[str] = "transferred"

    def payload(self) -> dict[str, Any]:
        return {"from_team": self.from_team, "to_team": self.to_team,
                "from_assignee": self.from_assignee, "to_assignee": self.to_assignee,
                "status": self.status}


@dataclass(frozen=True)
class Escalated(Transferred):
    type: ClassVar[str] = "escalated"


@dataclass(frozen=True)
class PendingAsked(TicketEvent):
    question: str
    status: str

    type: ClassVar[str] = "pending"

    def payload(self) -> dict[str, Any]:
        return {"question": self.question, "status": self.status}


@dataclass(frozen=True)
class Resumed(TicketEvent):
    status: str

    type: ClassVar[str] = "resumed"

    def payload(self) -> dict[str, Any]:
        return {"status": self.status}


@dataclass(frozen=True)
class Resolved(TicketEvent):
    summary: str
    status: str
    article_id: str | None = None

    type: ClassVar[str] = "resolved"

    def payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"summary": self.summary, "status": self.status}
        if self.article_id:
            payload["article_id"] = self.article_id
        return payload


@dataclass(frozen=True)
class ResolvedUnanswered(TicketEvent):
    """Resolved by the desk: the requester never answered the question it waited on."""

    days: float
    question: str | None
    status: str

    type: ClassVar[str] = "resolved"

    def payload(self) -> dict[str, Any]:
        return {"by": "system", "reason": "no_answer", "days": self.days,
                "question": self.question, "status": self.status}


@dataclass(frozen=True)
class Reopened(TicketEvent):
    reason: str | None
    status: str
    by_requester: bool

    type: ClassVar[str] = "reopened"

    def payload(self) -> dict[str, Any]:
        return {"reason": self.reason, "status": self.status, "by_requester": self.by_requester}


@dataclass(frozen=True)
class Closed(TicketEvent):
    by: str
    status: str

    type: ClassVar[str] = "closed"

    def payload(self) -> dict[str, Any]:
        return {"by": self.by, "status": self.status}


@dataclass(frozen=True)
class ClosedUnconfirmed(TicketEvent):
    """Closed by the desk: the requester never confirmed the resolution."""

    days: float
    status: str

    type: ClassVar[str] = "closed"

    def payload(self) -> dict[str, Any]:
        return {"by": "system", "reason": "no_confirmation", "days": self.days,
                "status": self.status}


@dataclass(frozen=True)
class PriorityChanged(TicketEvent):
    before: str
    after: str

    type: ClassVar[str] = "priority_changed"

    def payload(self) -> dict[str, Any]:
        return {"from": self.before, "to": self.after}


@dataclass(frozen=True)
class Cancelled(TicketEvent):
    reason: str | None
    status: str

    type: ClassVar[str] = "cancelled"

    def payload(self) -> dict[str, Any]:
        return {"reason": self.reason, "status": self.status}
