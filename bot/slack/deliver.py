"""The Slack deliverer of the outbox: each notice to the right thread, DM or triage channel.

* ``thread`` recipients: a reply in the ticket's own thread (``channel_ref`` = "<channel>:<ts>");
  the "resolved" notice carries the confirm / not-solved buttons of the closure prompt.
* ``person`` recipients: a direct message (``conversations.open`` then ``chat.postMessage``).
* ``team`` recipients: the triage card in the team's channel, posted on "routed", edited later.
* ``reply`` recipients: a conversation's answers in its thread.
* what a listener shows after its unit of work (a private answer, the card or a message edited,
  the Home tab): ``bot.slack.outgoing``.

Every post carries the outbox key in its message ``metadata``; when an item comes back for another
attempt (a timeout after Slack accepted it, a process killed mid-delivery) the thread or DM is read
first and a message already carrying the key is not posted again. Slack errors become
``DeliveryError``: 429 with its ``Retry-After``, 5xx and connection errors retryable; a missing
channel or user, an archived channel or a deactivated account permanent.
"""

from __future__ import annotations

import logging
import threading
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from actions.cards import card_state, ticket_snapshot, ticket_thread
from actions.digest import DIGEST_TEMPLATE
from actions.outbox import DeliveryError, OutboxItem, Skipped
from actions.people import address_of
from actions.services import Services
from bot.blocks import fallback_text, sections, to_dicts
from bot.blocks.conversation import turn_payloads
from bot.digest_chart import render_png
from bot.slack import outgoing
from bot.slack.cards import CardBusy, refresh_card, show_card
from bot.slack.closure import closure_blocks
from bot.slack.text import split_ref

log = logging.getLogger(__name__)
METADATA_TYPE = "deskbot_notice"
#: Team notices that the whole channel should see, not only those who follow the card's thread.
BROADCAST = frozenset({"sla_breach", "escalated"})
PERMANENT = frozenset({
    "channel_not_found", "user_not_found", "account_inactive", "not_in_channel", "is_archived",
    "user_disabled", "cannot_dm_bot", "invalid_blocks", "msg_too_long", "msg_blocks_too_long",
    "no_text", "too_many_attachments", "restricted_action", "no_triage_channel",
})


def delivery_error(exc: Exception) -> DeliveryError:
    """Map a failed Web API call to the outbox's retry decision."""
    if isinstance(exc, SlackApiError):
        response = exc.response
        code = str(response.get("error") or f"http_{response.status_code}")
        if response.status_code == 429 or code == "ratelimited":
            after = (response.headers or {}).get("Retry-After") or \
                (response.headers or {}).get("retry-after")
            value = after[0] if isinstance(after, list) else after
            return DeliveryError(code, retryable=True,
                                 retry_after=float(value) if value else None)
        if response.status_code >= 500:
            return DeliveryError(code, retryable=True)
        return DeliveryError(code, retryable=code not in PERMANENT)
    if isinstance(exc, URLError | OSError | TimeoutError):
        return DeliveryError(f"connection: {exc}", retryable=True)
    return DeliveryError(f"{type(exc).__name__}: {exc}", retryable=True)


class SlackDeliverer:
    """``Deliverer`` for the outbox's ``slack`` channel."""

    def __init__(self, services: Services, client: WebClient) -> None:
        self.services = services
        self.client = client
        self._dms: dict[str, str] = {}
        self._lock = threading.Lock()

    def deliver(self, item: OutboxItem) -> None:
        try:
            kind = item.recipient.get("type")
            if kind == "team":
                self._team(item)
            elif kind == "thread":
                self._thread(item)
            elif kind == "person":
                self._person(item)
            elif kind == "reply":
                self._reply(item)
            elif kind in outgoing.KINDS:
                outgoing.deliver(self.services, self.client, item)
                return
            else:
                raise DeliveryError(f"unknown recipient {kind!r}", retryable=False)
        except (DeliveryError, Skipped):
            raise
        except Exception as exc:  # noqa: BLE001 - every failure is classified for the outbox
            raise delivery_error(exc) from exc
        if item.ticket_key and item.recipient.get("type") != "team":
            self._refresh_card(item.ticket_key)

    # --- recipients ------------------------------------------------------------------------
    def _team(self, item: OutboxItem) -> None:
        """The card in the team's channel shows the change; anything more than a new ticket
        (an SLA warning, a breach, a reopening ...) is also said under the card, and the
        urgent ones are broadcast to the channel."""
        ticket = ticket_snapshot(self.services, item.ticket_key or "") or item.context.get("ticket")
        if not ticket:
            raise DeliveryError("ticket_not_found", retryable=False)
        try:
            shown = show_card(self.services, self.client, ticket)
        except CardBusy as exc:  # another process is posting it: edit it once it is there
            raise DeliveryError("card_busy", retryable=True, retry_after=2) from exc
        if not shown:
            # No triage channel configured for the team (deskbot run warned at start): its
            # technicians find the ticket in their App Home and /ticket queue; the assignee
            # and the leads are told directly. Not a delivery failure to pile up for admins.
            log.info("no triage channel for team %s: card of %s not posted",
                     ticket.get("team"), ticket.get("key"))
            raise Skipped("no channel")
        card = card_state(self.services, ticket["key"])
        if item.template != "routed" and card:
            self._post(item, card["channel"], thread_ts=card["ts"],
                       broadcast=item.template in BROADCAST)

    def _thread(self, item: OutboxItem) -> None:
        closure = item.template == "resolved"
        ref = split_ref(ticket_thread(self.services, item.ticket_key, channel="slack"))
        if ref is None:  # no thread known (opened by staff for them): tell them directly
            self._person(item, closure=closure)
            return
        channel, ts = ref
        self._post(item, channel, thread_ts=ts, closure=closure)

    def _reply(self, item: OutboxItem) -> None:
        """A conversation turn's replies, in the thread it answers (one post per message)."""
        where = split_ref(item.recipient.get("ref"))
        if where is None:
            raise DeliveryError("bad_reply_ref", retryable=False)
        channel, ts = where
        for n, (text, blocks) in enumerate(turn_payloads(item.context.get("replies") or [])):
            key = f"{item.key}:{n}"
            if item.attempts > 1 and self._already_posted(key, channel, ts):
                continue
            self.client.chat_postMessage(
                channel=channel, thread_ts=ts, text=fallback_text(text), blocks=blocks,
                unfurl_links=False, unfurl_media=False,
                reply_broadcast=bool(item.recipient.get("broadcast")),
                metadata={"event_type": METADATA_TYPE, "event_payload": {"key": key}})

    def _person(self, item: OutboxItem, *, closure: bool = False) -> None:
        slack_id = address_of(self.services, item.recipient.get("person_id"), channel="slack")
        if not slack_id:
            raise DeliveryError("user_not_found", retryable=False)
        if item.template == DIGEST_TEMPLATE:
            self._digest(item, self._dm(slack_id))
            return
        self._post(item, self._dm(slack_id), closure=closure)

    def _digest(self, item: OutboxItem, channel: str) -> None:
        """The weekly digest: its text as the comment of its chart, one upload. The file's
        title carries the outbox key, so a retry finds an upload that already happened."""
        title = self.services.plain.render("reports.digest_chart_title", item.language)
        title = f"{title} ({item.context.get('since', '')[:10]}) #{item.key}"
        if item.attempts > 1 and self._already_uploaded(title, channel):
            return
        text = self.services.messages.render("reports.digest", item.language, d=item.context)
        png = render_png(item.context, item.language, self.services.plain)
        self.client.files_upload_v2(channel=channel, file=png, title=title,
                                    filename=f"digest-{item.context.get('since', '')[:10]}.png",
                                    alt_txt=title, initial_comment=text)

    def _already_uploaded(self, title: str, channel: str) -> bool:
        answer = self.client.conversations_history(channel=channel, limit=50)
        return any(f.get("title") == title for m in answer.get("messages") or []
                   for f in m.get("files") or [])

    # --- helpers ---------------------------------------------------------------------------
    def _post(self, item: OutboxItem, channel: str, *, thread_ts: str | None = None,
              closure: bool = False, broadcast: bool = False) -> None:
        if item.attempts > 1 and self._already_posted(item.key, channel, thread_ts):
            return
        text = self._render(item)
        blocks = list(sections(text))
        if closure and item.ticket_key:
            blocks.extend(closure_blocks(self.services, item.ticket_key, item.language))
        self.client.chat_postMessage(
            channel=channel, thread_ts=thread_ts, text=fallback_text(text),
            blocks=to_dicts(blocks), unfurl_links=False, unfurl_media=False,
            reply_broadcast=broadcast and thread_ts is not None,
            metadata={"event_type": METADATA_TYPE, "event_payload": {"key": item.key}})

    def _render(self, item: OutboxItem) -> str:
        context = item.context
        return self.services.messages.render(
            f"notify.{item.template}", item.language, ticket=context.get("ticket") or {},
            event=context.get("event") or {}, actor=context.get("actor"),
            recipient=item.recipient)

    def _already_posted(self, key: str, channel: str, thread_ts: str | None) -> bool:
        if thread_ts:
            answer = self.client.conversations_replies(channel=channel, ts=thread_ts,
                                                       include_all_metadata=True, limit=200)
        else:
            answer = self.client.conversations_history(channel=channel,
                                                       include_all_metadata=True, limit=50)
        for message in answer.get("messages") or []:
            payload = (message.get("metadata") or {}).get("event_payload") or {}
            if payload.get("key") == key:
                log.info("outbox %s already in Slack; not posting again", key)
                return True
        return False

    def _dm(self, slack_id: str) -> str:
        with self._lock:
            cached = self._dms.get(slack_id)
        if cached:
            return cached
        channel = self.client.conversations_open(users=slack_id)["channel"]["id"]
        with self._lock:
            self._dms[slack_id] = channel
        return channel

    def _refresh_card(self, key: str) -> None:
        """Keep the triage card in step; the notice itself was delivered whatever happens."""
        try:
            refresh_card(self.services, self.client, key)
        except SlackApiError as exc:
            log.warning("card of %s not refreshed: %s", key, exc.response.get("error"))
        except CardBusy:
            log.info("card of %s is being posted by another process", key)


def deliverers(services: Services, client: WebClient) -> dict[str, SlackDeliverer]:
    """The deliverers this process offers the outbox worker, by channel."""
    return {"slack": SlackDeliverer(services, client)}
