"""The web pages served for real (uvicorn on a loopback port) over a desk with a known month."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import uvicorn

from actions.services import Services
from bot.web.app import create_web_app
from bot.web.config import WebConfig
from tests.reports.month import Month, build_month
from tests.web.client import Web

SECRET = b"web-test-secret"


@dataclass
class Server:
    url: str
    app: object
    services: Services

    def client(self) -> Web:
        return Web(self.url)



def serve(services: Services, config: WebConfig) -> Iterator[Server]:
    """The app on a free loopback port until the test ends."""
    app = create_web_app(services, config)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "web server did not start"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    app.state.site.config = dataclasses.replace(config, public_url=url)
    try:
        yield Server(url, app, services)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def month(sqlite_services, settings, cast) -> Month:  # type: ignore[no-untyped-def]
    return build_month(sqlite_services, settings, cast)


@pytest.fixture
def web(sqlite_services: Services) -> Iterator[Server]:
    """The pages over the test's desk; tests that need the month ask for ``month`` too."""
    yield from serve(sqlite_services, WebConfig(secret=SECRET, public_url="http://x",
                                                live_seconds=1))
