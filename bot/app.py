"""The Slack app factory: one ``slack_bolt.App`` over the desk's services, built on demand.

No module-level App: each process (and each test) builds its own with ``create_app``. The app
runs with ``process_before_response=False``: Bolt acknowledges Slack as soon as a listener calls
``ack()`` (events are acknowledged before their listener starts) and the work continues on the
listener executor, so Slack gets its answer well inside 3 seconds in HTTP and Socket Mode alike.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_sdk import WebClient

from actions.services import Services
from bot.errors import make_error_handler
from bot.listeners import register_all
from bot.slack.client import make_client
from bot.slack.deliver import SlackDeliverer

log = logging.getLogger(__name__)


class MissingCredentials(RuntimeError):
    """The environment lacks what Slack needs (the message says which variable)."""


def services_middleware(services: Services) -> Callable[..., Any]:
    def middleware(context: BoltContext, next: Callable[[], BoltResponse]) -> BoltResponse:  # noqa: A002
        context["services"] = services
        return next()

    return middleware


def rate_limited_middleware(body: dict[str, Any], next: Callable[[], BoltResponse],  # noqa: A002
                            ) -> BoltResponse:
    """``app_rate_limited``: Slack is dropping this workspace's events (over 30,000 an hour).

    No listener can do anything about it, but an operator must hear of it: a warning in the log,
    and a 200 so Slack does not count it as a failed delivery.
    """
    if body.get("type") == "app_rate_limited":
        log.warning("Slack is rate limiting events to this app (team %s, since minute %s): "
                    "events are being dropped", body.get("team_id"),
                    body.get("minute_rate_limited"))
        return BoltResponse(status=200, body="")
    return next()


def create_app(services: Services, *, client: WebClient | None = None,
               signing_secret: str | None = None, socket_mode: bool = False,
               workers: int = 16) -> App:
    """The Bolt app; ``client`` defaults to one built from the settings (token, base URL).

    In Socket Mode requests arrive over the app-level connection, so no signing secret is
    needed; over HTTP every request's signature is verified with ``SLACK_SIGNING_SECRET``.
    """
    settings = services.settings
    if client is None:
        if not settings.slack_bot_token:
            raise MissingCredentials("SLACK_BOT_TOKEN")
        client = make_client(settings.slack_bot_token, settings.slack_api_url)
    secret = signing_secret or settings.slack_signing_secret
    if not socket_mode and not secret:
        raise MissingCredentials("SLACK_SIGNING_SECRET")
    app = App(
        client=client,
        signing_secret=secret or "",
        request_verification_enabled=not socket_mode,
        process_before_response=False,
        listener_executor=ThreadPoolExecutor(max_workers=workers,
                                             thread_name_prefix="slack-listener"),
        logger=logging.getLogger("bot.slack.bolt"),
    )
    # A turn's replies and notices leave right after its commit (the outbox worker retries).
    services.deliver_inline({"slack": SlackDeliverer(services, client)})
    app.use(rate_limited_middleware)
    app.use(services_middleware(services))
    register_all(app)
    app.error(make_error_handler(services))
    return app
