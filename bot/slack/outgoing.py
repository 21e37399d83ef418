"""What a Slack listener shows once its unit of work has committed, sent through the outbox.

A private answer (``chat.postEphemeral``), the ticket's card brought up to date
(``chat.update``), the Home tab drawn again (``views.publish``), the message whose buttons were
pressed edited in place (``chat.update``) or, when it was ephemeral, removed through its
``response_url``: each is queued by the listener as an outbox row of its
own unit of work (``actions.outbound.queue``), sent right after the commit by the Slack deliverer
(``deliver``) and, when Slack fails, tried again by the outbox worker, as every notice is. Only
what needs Slack's 3-second ``trigger_id`` (``views.open``) and the answer to a slash command
through its ``response_url`` are still called directly.

Editing a message or the card and publishing a view are idempotent. An ephemeral message cannot
be looked up afterwards: if the process dies after Slack took one and before the outcome was
written, the person may see it twice (rare, and harmless).
"""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.models.blocks import Block
from slack_sdk.webhook import WebhookClient

from actions.outbound import queue
from actions.outbox import DeliveryError, OutboxItem
from actions.services import Services
from actions.views import PersonView
from bot.blocks import fallback_text, to_dicts
from bot.slack.cards import CardBusy, refresh_card
from bot.slack.home import publish_home
from bot.slack.users import known_person

CHANNEL = "slack"
#: Recipient types this module queues and delivers.
KINDS = frozenset({"ephemeral", "card", "home", "update", "delete"})


def tell(services: Services, *, channel: str | None, user: str, text: str,
         thread_ts: str | None = None, language: str | None = None,
         or_direct: bool = False) -> None:
    """``text`` shown only to ``user`` in ``channel``; without a channel nothing, or with
    ``or_direct`` a direct message instead (a form opened away from any channel)."""
    if not channel and not or_direct:
        return
    queue(services, channel=CHANNEL, template="ephemeral", language=language,
          recipient={"type": "ephemeral", "channel": channel or None, "user": user,
                     "thread_ts": thread_ts},
          context={"text": text})


def update_card(services: Services, key: str) -> None:
    """Bring the triage card of ticket ``key`` up to date (no card: nothing to do)."""
    queue(services, channel=CHANNEL, template="card_update",
          recipient={"type": "card", "ticket": key})


def update_home(services: Services, person: PersonView) -> None:
    """Draw ``person``'s Home tab again."""
    user = person.address(CHANNEL)
    if user:
        queue(services, channel=CHANNEL, template="home", language=person.language,
              recipient={"type": "home", "user": user, "person_id": person.id})


def update_message(services: Services, *, channel: str | None, ts: str | None, text: str,
                   blocks: list[Block] | list[dict[str, Any]]) -> None:
    """Replace message ``ts`` (its text and blocks; the buttons of an answered question go)."""
    if not channel or not ts:
        return
    serialised = [b for b in blocks if isinstance(b, dict)] or \
        to_dicts([b for b in blocks if isinstance(b, Block)])
    queue(services, channel=CHANNEL, template="message_update",
          recipient={"type": "update", "channel": channel, "ts": ts},
          context={"text": text, "blocks": serialised})


def delete_ephemeral(services: Services, *, response_url: str | None) -> None:
    """Remove the ephemeral message a button was pressed in (``chat.update`` cannot edit those:
    its ``response_url`` can, for 30 minutes)."""
    if response_url:
        queue(services, channel=CHANNEL, template="ephemeral_delete",
              recipient={"type": "delete", "response_url": response_url})


def deliver(services: Services, client: WebClient, item: OutboxItem) -> None:
    """Send one of the rows above (Slack errors are classified by the caller)."""
    to, context = item.recipient, item.context
    kind = to.get("type")
    if kind == "ephemeral" and not to.get("channel"):
        client.chat_postMessage(channel=to["user"],
                                text=fallback_text(str(context.get("text") or "")))
    elif kind == "ephemeral":
        client.chat_postEphemeral(channel=to["channel"], user=to["user"],
                                  text=fallback_text(str(context.get("text") or "")),
                                  thread_ts=to.get("thread_ts"))
    elif kind == "card":
        try:
            refresh_card(services, client, str(to.get("ticket") or ""))
        except CardBusy as exc:  # another process is posting it: edit it once it is there
            raise DeliveryError("card_busy", retryable=True, retry_after=2) from exc
    elif kind == "home":
        person = known_person(services, str(to.get("user") or ""))
        if person is None:
            raise DeliveryError("user_not_found", retryable=False)
        publish_home(services, client, person)
    elif kind == "update":
        client.chat_update(channel=to["channel"], ts=to["ts"],
                           text=fallback_text(str(context.get("text") or " ")),
                           blocks=list(context.get("blocks") or []))
    elif kind == "delete":
        answer = WebhookClient(str(to.get("response_url"))).send_dict(
            {"delete_original": True})
        if answer.status_code == 429 or answer.status_code >= 500:
            raise DeliveryError(f"http_{answer.status_code}", retryable=True)
        if answer.status_code >= 400:  # expired or already gone: nothing left to remove
            raise DeliveryError(f"http_{answer.status_code}", retryable=False)
    else:
        raise DeliveryError(f"unknown recipient {kind!r}", retryable=False)
