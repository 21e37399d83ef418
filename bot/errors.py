"""The app's one error handler: a refusal or failure becomes a message only the person sees.

A ``DeskError`` (a refusal, bad input, a conflict such as "already claimed") is shown in the
person's language, exactly as the use case phrased it. Anything else is logged with its stack
trace and the person gets a short apology. Nothing here may raise: a failure while telling the
person is logged and dropped.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from actions.services import Services
from bot.blocks import fallback_text
from bot.listeners import user_id_of
from bot.slack.text import say
from store.errors import DeskError

log = logging.getLogger("bot.errors")


def message_for(services: Services, error: Exception, lang: str) -> str:
    if isinstance(error, DeskError):
        return services.messages.error(error, lang)
    return say(services, "generic_error", lang)


def _language(services: Services, context: BoltContext) -> str:
    person = context.get("person")
    return getattr(person, "language", None) or services.settings.language


def tell(client: WebClient, body: dict[str, Any], text: str) -> None:
    """Show ``text`` to the person behind ``body`` only, where they are."""
    user = user_id_of(body)
    if body.get("response_url") and body.get("command"):
        from slack_sdk.webhook import WebhookClient

        WebhookClient(body["response_url"]).send(text=text, response_type="ephemeral",
                                                 replace_original=False)
        return
    event = body.get("event") or {}
    message = body.get("message") or {}
    channel = event.get("channel") or (body.get("channel") or {}).get("id")
    thread_ts = (event.get("thread_ts") or event.get("ts") or message.get("thread_ts")
                 or message.get("ts"))
    if channel and user:
        client.chat_postEphemeral(channel=channel, user=user, text=text, thread_ts=thread_ts)
    elif user:  # a modal or the Home tab: a direct message instead
        client.chat_postMessage(channel=user, text=text)


def make_error_handler(services: Services):  # type: ignore[no-untyped-def]
    def on_error(error: Exception, body: dict[str, Any], context: BoltContext,
                 client: WebClient) -> None:
        if isinstance(error, DeskError):
            log.info("refused: %s", error)
        else:
            log.exception("listener failed", exc_info=error)
        try:
            tell(client, body or {}, fallback_text(message_for(services, error,
                                                               _language(services, context))))
        except Exception:  # noqa: BLE001 - the person could not be told; the log has it
            log.exception("could not tell the person about an error")

    return on_error
