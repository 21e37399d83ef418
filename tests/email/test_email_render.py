"""Mail that reads like mail: every notice and answer, in both languages, as text and HTML with
no chat markup, user text escaped in the HTML part."""

from __future__ import annotations

import re

import pytest

from actions.notify import AUDIENCE
from actions.outbox import OutboxItem
from bot.email.outbound import Address, SmtpConfig, SmtpDeliverer
from bot.email.render import unmark

MARKUP = re.compile(r"\*[^*\s][^*]*\*|(?<!\w):[a-z_+\-]+:(?!\w)|<@U|<!date")
TICKET = {"key": "INC-7", "title": "VPN <b>caída</b>", "status": "resolved", "priority": "P2",
          "category": "network", "team": "L2", "kind": "incident", "requester": "Lucía",
          "assignee": "Luis", "resolution": "Reinicié el túnel",
          "response_due_at": "2026-11-30T16:00:00+00:00", "resolution_due_at": None,
          "first_response_at": None, "paused_at": None}
PAYLOAD = {"text": "<script>x</script> revisa", "summary": "Reinicié el túnel", "question": "¿Y?",
           "reason": "sigue", "from": "P3", "to": "P2", "from_team": "L1", "to_team": "L2",
           "target": "response", "target_minutes": 60, "warn_at": 0.75, "days": 2,
           "resolve_after_days": 5, "rating": 4, "scale": 5}


class Book:
    def address(self, item: OutboxItem) -> Address:
        return Address("Lucía", "lucia@example.com", item.recipient.get("role", "requester"))

    def thread_ref(self, ticket_key: str | None) -> str | None:
        return "<orig@mail.example.com>"


def compose(template: str, lang: str, context: dict) -> object:
    deliverer = SmtpDeliverer(SmtpConfig(sender="soporte@desk.example"), Book())
    item = OutboxItem(id=1, key=f"k:{template}", channel="email",
                      recipient={"type": "person", "person_id": 1, "role": "requester"},
                      template=template, language=lang, context=context, ticket_key="INC-7",
                      attempts=1)
    return deliverer.compose(item, Book().address(item))


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("event", sorted(AUDIENCE))
def test_every_notice_reads_like_mail(event: str, lang: str) -> None:
    msg = compose(event, lang, {"ticket": TICKET, "actor": "Luis",
                                "event": {"type": event, "payload": PAYLOAD}})
    text = msg.get_body(("plain",)).get_content()  # type: ignore[attr-defined]
    html = msg.get_body(("html",)).get_content()  # type: ignore[attr-defined]
    assert msg["Auto-Submitted"] == "auto-replied"  # type: ignore[index]
    assert "INC-7" in text and not MARKUP.search(text), text
    assert "<script>" not in html and "<b>caída" not in html


@pytest.mark.parametrize("lang", ["es", "en"])
def test_an_answer_with_conversation_replies_has_no_chat_markup(lang: str) -> None:
    messages = [{"text": "Listo, *SEC-1* :tada:", "buttons": []},
                {"text": "(1/4) ¿Dónde?", "buttons": [],
                 "custom": {"kind": "security_question", "field": "discovered_where"}},
                {"text": "", "buttons": [], "custom": {"kind": "closure", "ticket_key": "INC-7"}}]
    msg = compose("turn", lang, {"messages": messages, "ticket": TICKET, "timezone": "UTC",
                                 "reply": {"message_id": "<m@x>", "subject": "VPN",
                                           "references": ["<m@x>"]}})
    text = msg.get_body(("plain",)).get_content()  # type: ignore[attr-defined]
    assert "SEC-1" in text and not MARKUP.search(text), text
    assert msg["In-Reply-To"] == "<m@x>"  # type: ignore[index]
    assert msg["References"].split() == ["<deskbot.INC-7.thread@desk.example>", "<m@x>"]  # type: ignore[index]


def test_unmark_keeps_what_is_not_markup() -> None:
    assert unmark("*INC-1* y snake_case_name, 2*3*4 :warning: ok") == \
        "INC-1 y snake_case_name, 2*3*4 ok"
