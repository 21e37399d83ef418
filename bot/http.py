"""HTTP mode: events, slash commands and interactivity on ``POST /slack/events``; ``GET /healthz``.

Starlette + uvicorn. Bolt's starlette adapter calls the synchronous ``App.dispatch`` on the event
loop; here it runs in the thread pool instead, so one slow request (signature check, the
de-duplication insert) never holds up the others. ``dispatch`` returns as soon as the listener has
acknowledged; the listener's work goes on in Bolt's executor.
"""

from __future__ import annotations

import threading
import time

import uvicorn
from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

EVENTS_PATH = "/slack/events"
MAX_BODY = 1_000_000  # Slack's payloads are far smaller; refuse floods before verifying them


def asgi_app(bolt: App) -> Starlette:
    async def events(request: Request) -> Response:
        body = await request.body()
        if len(body) > MAX_BODY:
            return Response(status_code=413)
        try:
            bolt_request = to_bolt_request(request, body)
        except (ValueError, AttributeError, TypeError):  # not JSON, a broken payload=, a list
            return Response(status_code=400)
        if not isinstance(bolt_request.body, dict):
            return Response(status_code=400)
        response = await run_in_threadpool(bolt.dispatch, bolt_request)
        return to_starlette_response(response)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"ok": True})

    return Starlette(routes=[
        Route(EVENTS_PATH, events, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
    ])


def serve(bolt: App, *, host: str = "0.0.0.0", port: int = 3000) -> None:
    """Run the HTTP server in the foreground until interrupted."""
    uvicorn.run(asgi_app(bolt), host=host, port=port, log_level="info")


class BackgroundServer:
    """The real HTTP server in a thread on a free loopback port (tests and the benchmark)."""

    def __init__(self, bolt: App, host: str = "127.0.0.1", port: int = 0) -> None:
        config = uvicorn.Config(asgi_app(bolt), host=host, port=port, log_level="warning",
                                lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="slack-http", daemon=True)
        self.host = host

    def start(self, timeout: float = 10.0) -> BackgroundServer:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("HTTP server did not start")
            time.sleep(0.01)
        return self

    @property
    def port(self) -> int:
        return self.server.servers[0].sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
