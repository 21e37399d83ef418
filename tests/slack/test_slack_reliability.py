"""What Slack does to an app: retried events, errors, 429s; what users do: hostile text."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from actions.outbox import OutboxItem
from bot.ids import ActionId
from store.models import InboxItem, OutboxMessage, Ticket
from tests.slack.conftest import TRIAGE, Harness, blocks_text


def _count(slack: Harness, model: type) -> int:
    with slack.services.session_factory() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _thread_posts(slack: Harness, channel: str, thread_ts: str) -> list[dict[str, Any]]:
    return [m for m in slack.api.messages.get(channel, []) if m.get("thread_ts") == thread_ts]


def _with_button(slack: Harness, channel: str, payload: str) -> dict[str, Any]:
    def found() -> dict[str, Any] | None:
        for message in slack.api.messages.get(channel, []):
            for block in message.get("blocks") or []:
                for element in block.get("elements") or []:
                    if str(element.get("value") or "").startswith(payload):
                        return message
        return None

    return slack.api.wait_for(found, what=f"a message with a {payload} button")


def _click_payload(slack: Harness, user: str, message: dict[str, Any], channel: str,
                   payload: str) -> None:
    for block in message["blocks"]:
        for element in block.get("elements") or []:
            if str(element.get("value") or "").startswith(payload):
                slack.click(user, message, channel, element["action_id"])
                return
    raise AssertionError(payload)


def test_retried_event_creates_one_ticket_and_one_reply(slack: Harness) -> None:
    slack.dm("UCARLOS", "mi monitor no enciende")
    first = _with_button(slack, "DUCARLOS", "/open_ticket")
    thread = first["thread_ts"]
    ts = "1800000099.000001"  # the employee answers the offer (as its button would)
    event = {"type": "message", "channel": "DUCARLOS", "channel_type": "im", "user": "UCARLOS",
             "text": "/open_ticket", "ts": ts, "thread_ts": thread, "event_ts": ts}
    assert slack.event(event, event_id="EvSAME").status == 200
    assert slack.event(event, event_id="EvSAME", retry=1).status == 200
    assert slack.event(event, event_id="EvSAME", retry=2).status == 200
    slack.api.wait_for(lambda: _count(slack, Ticket) == 1, what="the ticket")
    # A later message in the same thread is answered after anything the retries could have done.
    slack.dm("UCARLOS", "gracias", thread_ts=thread)
    slack.api.wait_for(lambda: len(_thread_posts(slack, "DUCARLOS", thread)) >= 3,
                       what="the answer to the later message")
    opened = [m for m in _thread_posts(slack, "DUCARLOS", thread) if "INC-1" in blocks_text(m)]
    assert len(opened) == 1
    assert _count(slack, Ticket) == 1
    with slack.services.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(InboxItem).where(
            InboxItem.key == "slack:EvSAME")) == 1


def test_hostile_text_is_shown_escaped_never_executed(slack: Harness) -> None:
    # As Slack delivers it: "<!channel>" typed literally arrives entity-encoded; a real
    # @channel, a mention and a disguised link arrive as control sequences.
    hostile = ("&lt;!channel&gt; <!channel> <@U123> mira <https://evil.example|click aquí> "
               "&amp; mi pc no enciende")
    slack.dm("UCARLOS", hostile)
    message = _with_button(slack, "DUCARLOS", "/open_ticket")
    _click_payload(slack, "UCARLOS", message, "DUCARLOS", "/open_ticket")
    slack.api.wait_for(lambda: _count(slack, Ticket) == 1, what="ticket")
    slack.deliver()
    slack.api.wait_for(lambda: slack.api.messages.get(TRIAGE["L1"]), what="card")
    slack.command("UANA", "claim INC-1")
    slack.api.wait_for(lambda: slack.ticket("INC-1").assignee, what="claimed")
    slack.command("UANA", "reply INC-1 ok <!here> <@UCARLOS> revisa <https://x.example|esto>")
    slack.api.wait_for(lambda: any(e.type == "commented" for e in slack.ticket("INC-1").history),
                       what="reply")
    slack.deliver()
    slack.api.wait_for(lambda: any("revisa" in blocks_text(m)
                                   for m in slack.api.messages.get("DUCARLOS", [])),
                       what="reply delivered")
    shown = "\n".join(blocks_text(m) for channel in slack.api.messages.values() for m in channel)
    # The only control sequences allowed are the desk's own date tokens (due times on the card).
    shown = re.sub(r"<!date\^\d+\^[^|>]*\|[^<>]*>", "", shown)
    for raw in ("<!channel>", "<@U123>", "<https://evil", "<!here>", "<https://x.example",
                "<!", "&amp;lt;"):
        assert raw not in shown
    assert "&lt;!channel&gt; @channel @U123 mira click aquí (https://evil.example) &amp; mi" \
        in shown
    assert "ok @here @UCARLOS revisa esto (https://x.example)" in shown
    assert slack.ticket("INC-1").description.startswith("<!channel> @channel @U123 mira")


def test_rate_limited_notice_is_retried_and_delivered_once(slack: Harness) -> None:
    ticket = slack.open_ticket(slack.cast.carlos, "el teclado no responde",
                               ref="DUCARLOS:1800000000.500000")
    slack.deliver()  # the triage card
    slack.api.fail("chat.postMessage", status=429, retry_after=0, times=2)
    # Sent right after the claim commits: 429, retried once inside the call, 429 again,
    # so it goes back to the outbox.
    slack.command("UANA", f"claim {ticket.key}")

    def claimed_notice() -> tuple[str, str | None] | None:
        with slack.services.session_factory() as session:
            row = session.scalars(select(OutboxMessage).where(
                OutboxMessage.template == "claimed")).one_or_none()
            return (row.status, row.last_error) if row and row.status != "sending" else None

    assert slack.api.wait_for(claimed_notice, what="claimed notice back in the outbox") == \
        ("pending", "ratelimited")
    slack.deliver(later=7200)
    posted = [m for m in slack.api.messages.get("DUCARLOS", []) if ticket.key in blocks_text(m)]
    assert len(posted) == 1 and posted[0]["thread_ts"] == "1800000000.500000"
    assert len([c for c in slack.api.calls_to("chat.postMessage")
                if c.body.get("channel") == "DUCARLOS"]) == 3
    with slack.services.session_factory() as session:
        assert session.scalars(select(OutboxMessage.status).where(
            OutboxMessage.template == "claimed")).one() == "delivered"


def test_missing_channel_is_a_permanent_failure(slack: Harness) -> None:
    slack.api.fail("chat.postMessage", error="channel_not_found")
    slack.open_ticket(slack.cast.carlos, "no tengo acceso a la carpeta compartida")
    slack.deliver(later=7200)
    with slack.services.session_factory() as session:
        row = session.scalars(select(OutboxMessage).where(
            OutboxMessage.template == "routed")).one()
        assert (row.status, row.last_error) == ("failed", "channel_not_found")


def test_server_error_is_retried_by_the_client(slack: Harness) -> None:
    slack.api.fail("chat.postMessage", status=500)
    slack.open_ticket(slack.cast.carlos, "la impresora no imprime")
    slack.deliver()
    assert len(slack.api.messages.get(TRIAGE["L1"], [])) == 1
    assert len(slack.api.calls_to("chat.postMessage")) == 2


def test_redelivered_item_is_not_posted_twice(slack: Harness) -> None:
    ticket = slack.open_ticket(slack.cast.carlos, "el mouse no funciona",
                               ref="DUCARLOS:1800000000.600000")
    item = OutboxItem(id=1, key="event:99:thread:" + ticket.key, channel="slack",
                      recipient={"type": "thread", "ticket": ticket.key,
                                 "person_id": slack.cast.carlos.id},
                      template="commented", language="es",
                      context={"ticket": {"key": ticket.key, "title": ticket.title},
                               "event": {"type": "commented", "payload": {"text": "hola"}},
                               "actor": "Ana Torres"},
                      ticket_key=ticket.key, attempts=1)
    slack.deliverer.deliver(item)
    again = OutboxItem(**{**item.__dict__, "attempts": 2})
    slack.deliverer.deliver(again)  # e.g. the first outcome was never recorded
    posted = [m for m in slack.api.messages["DUCARLOS"] if "hola" in blocks_text(m)]
    assert len(posted) == 1


def test_slack_error_in_a_listener_becomes_an_apology(slack: Harness) -> None:
    slack.api.fail("views.open", error="expired_trigger_id")
    slack.interact({"type": "shortcut", "user": {"id": "UEMMA"},
                    "callback_id": "open_ticket", "action_ts": "1800000000.1"})
    apology = slack.api.wait_calls("chat.postMessage")[0].body
    assert apology["channel"] == "UEMMA"
    assert "Sorry, something went wrong" in apology["text"]


def test_reply_that_slack_refuses_is_kept_for_an_admin(slack: Harness) -> None:
    slack.api.fail("chat.postMessage", error="not_in_channel")
    slack.dm("UEMMA", "my laptop screen is broken")

    def reply_row() -> tuple[str, str | None] | None:
        with slack.services.session_factory() as session:
            row = session.scalars(select(OutboxMessage).where(
                OutboxMessage.template == "reply")).one_or_none()
            return (row.status, row.last_error) if row and row.status != "sending" else None

    assert slack.api.wait_for(reply_row, what="reply recorded") == ("failed", "not_in_channel")


def test_claim_race_on_the_card_has_one_winner(slack: Harness) -> None:
    slack.open_ticket(slack.cast.carlos, "no enciende el proyector de la sala")
    slack.deliver()
    card = slack.card()
    slack.click("UANA", card, TRIAGE["L1"], ActionId.CLAIM)
    slack.click("UMARTA", card, TRIAGE["L1"], ActionId.CLAIM)
    answers = slack.api.wait_for(lambda: len(slack.api.calls_to("chat.postEphemeral")) >= 2
                                 and slack.api.calls_to("chat.postEphemeral"), what="answers")
    texts = [c.body["text"] for c in answers]
    assert sum(t.startswith("Tomaste *INC-1*") for t in texts) == 1
    assert sum("*INC-1* ya lo tomó" in t for t in texts) == 1
    assert slack.ticket("INC-1").assignee is not None
