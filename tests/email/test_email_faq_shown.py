"""A mail that opens a ticket after the FAQ answered keeps, on the ticket, what was shown (the
internal ``faq_suggested`` event), over real SMTP; the answer mail never mentions it."""

from __future__ import annotations

from actions.faq_shown import EVENT
from actions.queries import show_ticket
from tests.email.conftest import mail, text_of


def test_the_articles_offered_by_mail_are_kept_on_the_ticket(inbox, postbox):
    inbox.send(mail("No puedo conectarme a la VPN desde casa", "Me da error al conectar."))
    history = show_ticket(inbox.services.uow(), key="INC-1", actor_id=None).history
    [event] = [e for e in history if e.type == EVENT]
    assert event.visibility == "internal"
    shown = [a["article_id"] for a in event.payload["articles"]]
    assert "vpn-no-conecta" in shown
    assert "No puedo conectarme a la VPN" in event.payload["query"]
    [ack] = postbox.deliver()
    body = text_of(ack)
    assert "1. " in body and EVENT not in body and "threshold" not in body
