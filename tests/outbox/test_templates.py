"""Every outbox message has a template in both languages, and reads well in each."""

from __future__ import annotations

import pytest

from actions.messages import Messages
from actions.notify import AUDIENCE

TICKET = {"key": "INC-7", "title": "VPN <!channel> & co", "status": "pending", "priority": "P2",
          "category": "network", "team": "L2", "kind": "incident", "requester": "Carlos",
          "assignee": "Ana", "resolution": None}
NAMES = sorted({*AUDIENCE, "auto_resolved", "auto_closed"})


@pytest.mark.parametrize("flavour", ["mrkdwn", "plain"])
@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("name", NAMES)
def test_every_message_renders(name, lang, flavour):
    event = {"type": name, "seq": 3, "at": "2026-03-02T15:00:00+00:00",
             "payload": {"text": "hola", "question": "¿Modelo?", "target": "response",
                         "target_minutes": 60, "warn_at": 0.75, "days": 3,
                         "resolve_after_days": 5, "to_team": "L2", "from_team": "L1"}}
    text = Messages(flavour).render(f"notify.{name}", lang, ticket=TICKET, event=event,
                                    actor="Ana", recipient={"type": "person", "person_id": 1})
    assert "INC-7" in text and len(text) < 1000
    if flavour == "mrkdwn":
        assert "<!channel>" not in text and "&lt;!channel&gt; &amp; co" in text


def test_spanish_status_labels_and_automatic_closure_reason():
    event = {"type": "closed", "payload": {"by": "system", "reason": "no_confirmation",
                                           "days": 3}}
    es = Messages("plain").render("notify.closed", "es", ticket=TICKET, event=event, actor=None)
    en = Messages("plain").render("notify.closed", "en", ticket=TICKET, event=event, actor=None)
    assert "automáticamente" in es and "CONCLUIDO" in es and "3 días" in es
    assert "automatically" in en and "RESOLVED" in en and "3 days" in en
    pending = Messages("plain").render("notify.pending", "es", ticket=TICKET,
                                       event={"payload": {"question": "¿Modelo?"}}, actor="Ana")
    assert "EN ESPERA" in pending and "> ¿Modelo?" in pending
