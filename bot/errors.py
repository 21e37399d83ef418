"""The app's one error handler: a refusal or failure becomes a message only the person sees.

A ``DeskError`` (a refusal, bad input, a conflict such as "already claimed") is shown in the
person's language, exactly as the use case phrased it. Anything else is logged with its stack
trace and the person gets a short apology. Nothing here may raise: a failure while telling the
person is logged and dropped.

A request run by an inbox worker (``actions.inbox.current_job``) that fails for any other reason
(the database or Slack unreachable, a lost race) is tried again later: the failure is noted on
the job, logged in one line by the worker, and the person hears nothing yet. Only when the job
gives up does the person get the apology.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from actions.inbox import current_job, passing_failure
from actions.services import Services
from bot.blocks import fallback_text
from bot.listeners import user_id_of
from bot.slack.intake import SUGGESTION
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


def passing(error: Exception) -> bool:
    """A failure that trying again later can cure: Slack rate limiting or failing (429, 5xx),
    the network, the database away. Slack's ``ok: false`` refusals are not."""
    if isinstance(error, SlackApiError):
        status = getattr(error.response, "status_code", 200)
        return status == 429 or status >= 500
    return passing_failure(error)


def make_error_handler(services: Services):  # type: ignore[no-untyped-def]
    def on_error(error: Exception, body: dict[str, Any], context: BoltContext,
                 client: WebClient) -> None:
        if (body or {}).get("type") == SUGGESTION:
            # A keystroke in a searching select: the menu shows no options (the door answers
            # an empty list); a message to the person for each keystroke would say nothing more.
            log.exception("options for a select failed", exc_info=error)
            return
        job = current_job.get()
        if job is not None and not isinstance(error, DeskError):
            job.error = error
            if passing(error) and not job.last_attempt:
                return  # tried again later; the worker logs it
            job.permanent = True
        if isinstance(error, DeskError):
            log.info("refused: %s", error)
        elif job is not None:
            log.error("listener failed for good on %s: %s: %s", job.row.key,
                      type(error).__name__, error)
        else:
            log.exception("listener failed", exc_info=error)
        try:
            tell(client, body or {}, fallback_text(message_for(services, error,
                                                               _language(services, context))))
        except Exception:  # noqa: BLE001 - the person could not be told; the log has it
            log.exception("could not tell the person about an error")

    return on_error
