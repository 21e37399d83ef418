"""The console as an outbox deliverer: the conversation's replies and notices are printed.

A turn's replies (``reply`` recipients) are queued in the turn's own commit and handed here
right after it, so the console prints exactly what was committed: a turn that fails prints
nothing. Notices are printed addressed to their recipient. In a desk without Slack
(``make run`` with no credentials) the console is the only channel, so it also takes the
messages queued for Slack and email; alongside a real Slack desk it takes only the console's
own. A "resolved" notice to the person at the keyboard comes with the confirm / not-fixed
buttons, exactly as Slack shows them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from actions.conversation import closure_prompt
from actions.messages import Messages
from actions.outbox import OutboxItem
from actions.services import Services


@dataclass
class Notice:
    """One delivered message: who it is for and what it says."""

    person_id: int | None
    addressee: str
    text: str
    language: str
    prompt: list[dict[str, Any]] = field(default_factory=list)


class ConsoleDeliverer:
    """Collects replies and notices; the console prints them after each step."""

    def __init__(self, services: Services, messages: Messages) -> None:
        self.services = services
        self.messages = messages
        self.notices: list[Notice] = []
        #: Replies delivered since the console last took them (Rasa-style message dicts).
        self.replies: list[dict[str, Any]] = []

    def deliver(self, item: OutboxItem) -> None:
        recipient = item.recipient or {}
        if recipient.get("type") == "reply":
            self.replies.extend((item.context or {}).get("replies") or [])
            return
        language = item.language
        person_id = recipient.get("person_id")
        if recipient.get("type") == "team":
            code = str(recipient.get("team") or "")
            team = self.services.settings.teams.get(code)
            addressee = self.messages.render("console.team", language, code=code,
                                             name=team.name if team else "")
            person_id = None
        else:
            addressee = self._name(person_id)
        text = self._text(item)
        prompt: list[dict[str, Any]] = []
        if item.template == "resolved" and recipient.get("type") == "thread":
            ticket = (item.context or {}).get("ticket") or {"key": item.ticket_key}
            prompt = closure_prompt(ticket, language, self.messages)
        self.notices.append(Notice(person_id, addressee, text, language, prompt))

    def take(self) -> list[Notice]:
        notices, self.notices = self.notices, []
        return notices

    def take_replies(self) -> list[dict[str, Any]]:
        replies, self.replies = self.replies, []
        return replies

    def _name(self, person_id: Any) -> str:
        if person_id is None:
            return "?"
        with self.services.uow() as uow:
            return uow.people.get(int(person_id)).name

    def _text(self, item: OutboxItem) -> str:
        context = item.context or {}
        name = f"notify.{item.template}"
        if not self.messages.has(name, item.language):
            return f"{item.template} {item.ticket_key or ''}".strip()
        return self.messages.render(
            name, item.language, ticket=context.get("ticket") or {},
            event=context.get("event") or {"payload": {}}, actor=context.get("actor"),
            recipient=item.recipient)
