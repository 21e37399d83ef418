"""What buttons, forms and the Home tab show after their unit of work leaves through the outbox:
when Slack fails at that moment, the outbox tries again later and the person sees it once.

Each test scripts the Web API stand-in to fail (HTTP 500) the call the listener's answer makes,
checks that the change itself was kept and the answer waits in the outbox with Slack's error,
then runs the outbox worker as it would run later and checks the answer arrived exactly once.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from bot.ids import ActionId, BlockId, CallbackId
from store.models import OutboxMessage
from tests.slack.conftest import TRIAGE, Harness, blocks_text

DM = "DUCARLOS"
THREAD = "1800000000.000042"
#: The client tries a call that Slack answers with a 500 twice (``bot.slack.client``).
TRIES = 2


def _rows(slack: Harness, template: str) -> list[OutboxMessage]:
    with slack.services.session_factory() as session:
        return list(session.scalars(select(OutboxMessage).where(
            OutboxMessage.template == template).order_by(OutboxMessage.id)))


def _waiting(slack: Harness, template: str) -> OutboxMessage:
    """The row of ``template`` once its first delivery failed and it waits for another."""
    return slack.api.wait_for(lambda: next(
        (r for r in _rows(slack, template) if r.status == "pending" and r.last_error), None),
        what=f"a failed {template} waiting in the outbox")


def _delivered_once(slack: Harness, template: str) -> None:
    rows = _rows(slack, template)
    assert [(r.status, r.attempts) for r in rows] == [("delivered", 2)], \
        [(r.status, r.attempts, r.last_error) for r in rows]


def _text(value: str) -> dict[str, Any]:
    return {"value": {"type": "plain_text_input", "value": value}}


def _option(value: str) -> dict[str, Any]:
    return {"value": {"type": "static_select", "selected_option": {"value": value}}}


def test_the_ticket_forms_confirmation_is_retried_by_the_outbox(slack: Harness) -> None:
    slack.api.fail("chat.postMessage", status=500, times=2 * TRIES)  # the card, the confirmation
    slack.submit("UCARLOS", CallbackId.TICKET_FORM, {
        BlockId.TITLE: _text("Sin acceso a SAP"), BlockId.DESCRIPTION: _text("Me sale error 403"),
        BlockId.CATEGORY: _option("access"), BlockId.URGENCY: _option("high"),
        BlockId.IMPACT: _option("low")},
        metadata=json.dumps({"channel": DM, "thread_ts": THREAD}))
    waiting = _waiting(slack, "reply")
    assert waiting.last_error == "internal_error"
    assert slack.ticket("INC-1").channel_ref == f"{DM}:{THREAD}"  # the ticket was kept
    assert not [m for m in slack.api.messages.get(DM, []) if "INC-1" in blocks_text(m)]
    slack.deliver(later=3600)
    confirmations = [m for m in slack.api.messages.get(DM, [])
                     if "INC-1" in blocks_text(m) and m.get("thread_ts") == THREAD]
    assert len(confirmations) == 1
    _delivered_once(slack, "reply")


def test_a_claim_from_the_card_answers_and_edits_the_card_after_slack_failed(
        slack: Harness) -> None:
    key = slack.open_ticket(slack.cast.carlos, "la impresora no imprime",
                            ref=f"{DM}:{THREAD}").key
    slack.deliver()
    card = slack.card()
    slack.api.fail("chat.postEphemeral", status=500, times=TRIES)
    # The requester's notice refreshes the card too (its failure is only logged), then the card.
    slack.api.fail("chat.update", status=500, times=2 * TRIES)
    slack.click("UANA", card, TRIAGE["L1"], ActionId.CLAIM)
    _waiting(slack, "ephemeral")
    _waiting(slack, "card_update")
    assert slack.ticket(key).assignee.name == "Ana Torres"
    assert "Ana" not in blocks_text(slack.message(TRIAGE["L1"], card["ts"]))
    slack.deliver(later=3600)
    answered = [c for c in slack.api.calls_to("chat.postEphemeral")
                if c.body.get("user") == "UANA"]
    assert len(answered) == TRIES + 1 and key in str(answered[-1].body.get("text"))
    assert "Ana" in blocks_text(slack.message(TRIAGE["L1"], card["ts"]))
    _delivered_once(slack, "ephemeral")
    _delivered_once(slack, "card_update")


def test_the_home_tab_is_published_again_after_slack_failed(slack: Harness) -> None:
    slack.open_ticket(slack.cast.carlos, "necesito acceso al ERP")
    slack.api.fail("views.publish", status=500, times=TRIES)
    slack.event({"type": "app_home_opened", "user": "UCARLOS", "channel": DM, "tab": "home",
                 "event_ts": "1.1"})
    _waiting(slack, "home")
    slack.deliver(later=3600)
    published = slack.api.calls_to("views.publish")
    assert len(published) == TRIES + 1 and "INC-1" in json.dumps(published[-1].body["view"])
    _delivered_once(slack, "home")
