"""Socket Mode through the inbox: stored before the acknowledgement, like HTTP requests.

Bolt's own handler dispatches each request and acknowledges it; here a request that is someone's
work is stored in the inbox first (``bot.slack.intake`` gives its key) and acknowledged once
stored; the inbox workers run it. What must be answered within 3 seconds runs at once, recorded
all the same. A request the database cannot store is not acknowledged, so Slack sends it again.
``serve`` runs until SIGTERM or SIGINT, then disconnects and drains the workers.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltRequest
from slack_bolt.adapter.socket_mode.builtin import SocketModeHandler
from slack_bolt.adapter.socket_mode.internals import build_headers, send_response
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from actions import inbox
from actions.services import Services
from bot.slack.intake import SUGGESTION, classify, clean

log = logging.getLogger("bot.socket_mode")


class InboxSocketModeHandler(SocketModeHandler):
    def __init__(self, app: App, app_token: str, services: Services, *,
                 hand: Callable[[inbox.InboxRow], None] | None = None,
                 owner: str | None = None) -> None:
        super().__init__(app, app_token)
        self.services = services
        #: Stored rows go straight to this process's workers (``hand``), leased to ``owner``.
        self.hand, self.owner = hand, owner

    def handle(self, client: Any, req: SocketModeRequest) -> None:  # type: ignore[override]
        payload = clean(req.payload) if isinstance(req.payload, dict) else {}
        body = json.dumps(payload, ensure_ascii=False)
        key, kind, inline = classify(payload, body)
        headers = {"content-type": "application/json", **(build_headers(req) or {})}
        if key is not None:
            try:
                stored = inbox.receive(self.services, key=key, channel="slack", kind=kind,
                                       body=body, headers=headers, inline=inline,
                                       owner=self.owner if self.hand else None)
            except Exception as exc:  # noqa: BLE001 - not acknowledged: Slack sends it again
                log.warning("could not store a Slack request (%s); not acknowledged",
                            type(exc).__name__)
                return
            if not stored or not inline:
                client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
                if stored is not None and self.hand is not None:
                    self.hand(stored)
                return
        answer = self.app.dispatch(BoltRequest(mode="socket_mode", body=payload,
                                               headers=build_headers(req)))
        if kind == SUGGESTION and answer.status != 200:  # nothing to choose, as over HTTP
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id,
                                                                payload={"options": []}))
            return
        if answer.status >= 500:  # the error handler told the person; Slack gets its ack
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        send_response(client, req, answer, 0.0)


def serve(app: App, app_token: str, services: Services, *, threads: int = 8,
          drain_seconds: float = 20.0, on_drained: Callable[[], None] | None = None) -> None:
    """Connect and work until SIGTERM/SIGINT; then disconnect and drain the inbox workers."""
    from bot.health import Readiness
    from bot.inbox import InboxWorkers
    from bot.slack.lag import LagNotice

    workers = InboxWorkers(services, app, threads=threads, on_lag=LagNotice(services, app.client))
    Readiness(services, workers).warm_up(settle=True)
    workers.start()
    handler = InboxSocketModeHandler(app, app_token, services, hand=workers.accept,
                                     owner=workers.owner)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    handler.connect()
    print("deskbot: connected to Slack in Socket Mode", flush=True)
    stop.wait()
    log.info("stopping: disconnecting from Slack, then draining the inbox workers")
    handler.close()
    given = workers.stop(drain_seconds)
    log.info("drained: inbox workers stopped (%d rows handed back)", given)
    services.flush_delivered()
    if on_drained is not None:
        on_drained()
