"""The one way the desk builds a Slack ``WebClient``: its base URL and its retry policy.

Retries: a connection error, a 429 (sleeping ``Retry-After``) and a 500/503 are each retried once
inside the call. Anything still failing surfaces as ``SlackApiError`` to the caller: listeners let
it reach the app's error handler; the outbox deliverer turns it into a retryable or permanent
``DeliveryError`` so the outbox retries later rather than blocking a thread for long.
"""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler

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


def make_client(token: str | None, base_url: str | None = None, *, timeout: int = 10,
                ) -> WebClient:
    return WebClient(token=token, base_url=api_url(base_url), timeout=timeout,
                     retry_handlers=retry_handlers())
