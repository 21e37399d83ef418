"""The Slack app factory: one ``slack_bolt.App`` over the desk's services, built on demand.

No module-level App: each process (and each test) builds its own with ``create_app``.

The door (``bot.http`` over HTTP, ``bot.socket_mode`` in Socket Mode) stores each request in the
inbox before Slack gets its acknowledgement; the app then runs listeners with
``process_before_response``, in the thread that dispatches: an inbox worker (which must know how
the turn ended) or the door itself for what must be answered within 3 seconds. Its own signature
check is off: stored requests are run again long after their timestamp, and the HTTP door has
verified them (Socket Mode requests come over the app's own connection).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_sdk import WebClient

from actions.services import Services
from bot.errors import make_error_handler
from bot.listeners import register_all
from bot.slack.client import make_client
from bot.slack.deliver import SlackDeliverer

log = logging.getLogger(__name__)


class MissingCredentials(RuntimeError):
    """The environment lacks what Slack needs (the message says which variable)."""


class ServicesMiddleware(Middleware):
    """Puts the desk's ``Services`` in every request's context (``services_of`` reads it).

    A ``Middleware`` subclass rather than a function: Bolt calls it with the request directly,
    without building the keyword arguments a function middleware would be given (a cost paid on
    every delivery).
    """

    def __init__(self, services: Services) -> None:
        self.services = services

    def process(self, *, req: BoltRequest, resp: BoltResponse,
                next: Callable[[], BoltResponse]) -> BoltResponse | None:  # noqa: A002
        req.context["services"] = self.services
        return next()


class RateLimitedMiddleware(Middleware):
    """``app_rate_limited``: Slack is dropping this workspace's events (over 30,000 an hour).

    No listener can do anything about it, but an operator must hear of it: a warning in the log,
    and a 200 so Slack does not count it as a failed delivery. A ``Middleware`` subclass, so Bolt
    builds no keyword arguments for it on every delivery.
    """

    def process(self, *, req: BoltRequest, resp: BoltResponse,
                next: Callable[[], BoltResponse]) -> BoltResponse | None:  # noqa: A002
        body = req.body
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
        request_verification_enabled=False,
        process_before_response=True,
        listener_executor=ThreadPoolExecutor(max_workers=workers,
                                             thread_name_prefix="slack-listener"),
        logger=logging.getLogger("bot.slack.bolt"),
        # No listener takes the assistant kwargs (say_stream, set_status, set_suggested_prompts,
        # set_title, thread contexts) this middleware would build for every event.
        attaching_conversation_kwargs_enabled=False,
    )
    # A turn's replies and notices leave right after its commit (the outbox worker retries).
    services.deliver_inline({"slack": SlackDeliverer(services, client)})
    app.use(RateLimitedMiddleware())
    app.use(ServicesMiddleware(services))
    register_all(app)
    app.error(make_error_handler(services))
    return app
