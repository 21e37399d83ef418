"""The one way the desk builds a Slack ``WebClient``: its base URL and its retry policy.

Retries: a connection error, a 429 (sleeping ``Retry-After``) and a 500/503 are each retried once
inside the call. Anything still failing surfaces as ``SlackApiError`` to the caller: listeners let
it reach the app's error handler; the outbox deliverer turns it into a retryable or permanent
``DeliveryError`` so the outbox retries later rather than blocking a thread for long.

A request run again by the inbox (its first run died or failed half-way) must not post what the
first run already posted: while an inbox job runs, each ``chat.postMessage`` of the turn carries
``<inbox key>#<n>`` in its metadata, and on a later attempt the thread is read first and a message
already carrying that mark is not posted again (the outbox deliverer does the same per message).
"""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.http_retry import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler
from slack_sdk.web.slack_response import SlackResponse

SLACK_API_URL = "https://slack.com/api/"


def retry_handlers() -> list:  # type: ignore[type-arg]
    return [
        ConnectionErrorRetryHandler(max_retry_count=1),
        RateLimitErrorRetryHandler(max_retry_count=1),
        ServerErrorRetryHandler(max_retry_count=1),
    ]


def api_url(base_url: str | None) -> str:
    """``DESKBOT_SLACK_API_URL`` with the trailing slash WebClient needs."""
    url = base_url or SLACK_API_URL
    return url if url.endswith("/") else url + "/"


TURN_MARK = "deskbot_turn"


class DeskClient(WebClient):
    """``WebClient`` whose posts during an inbox job are recognisable on a re-run."""

    def chat_postMessage(self, **kwargs: Any) -> SlackResponse:  # noqa: N802 - Slack's name
        from actions.inbox import current_job

        job = current_job.get()
        if job is None or kwargs.get("metadata"):
            return super().chat_postMessage(**kwargs)
        mark = f"{job.row.key}#{job.next_index('post')}"
        if job.row.attempts > 1:
            found = self._already_posted(str(kwargs.get("channel")), kwargs.get("thread_ts"),
                                         mark)
            if found is not None:
                return found
        kwargs["metadata"] = {"event_type": TURN_MARK, "event_payload": {"mark": mark}}
        return super().chat_postMessage(**kwargs)

    def _already_posted(self, channel: str, thread_ts: str | None, mark: str,
                        ) -> SlackResponse | None:
        if thread_ts:
            found = self.conversations_replies(channel=channel, ts=thread_ts, limit=200,
                                               include_all_metadata=True)
        else:
            found = self.conversations_history(channel=channel, limit=50,
                                               include_all_metadata=True)
        for message in found.get("messages") or []:
            payload = ((message.get("metadata") or {}).get("event_payload") or {})
            if payload.get("mark") == mark:
                return SlackResponse(client=self, http_verb="POST", api_url="",
                                     req_args={}, headers={}, status_code=200,
                                     data={"ok": True, "channel": channel,
                                           "ts": message.get("ts"), "message": message})
        return None


def make_client(token: str | None, base_url: str | None = None, *, timeout: int = 10,
                ) -> WebClient:
    return DeskClient(token=token, base_url=api_url(base_url), timeout=timeout,
                      retry_handlers=retry_handlers())
