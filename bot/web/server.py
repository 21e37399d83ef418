"""Serving the web pages: in the foreground (``deskbot web``) or beside the Slack app in a
thread (``deskbot run --web PORT``)."""

from __future__ import annotations

import threading
import time

import uvicorn

from actions.services import Services
from bot.web.app import create_web_app
from bot.web.config import web_config


def base_url(host: str, port: int, env_url: str | None = None) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    return (env_url or f"http://{shown}:{port}").rstrip("/")


def serve_forever(services: Services, host: str, port: int, url: str) -> None:
    uvicorn.run(create_web_app(services, web_config(default_url=url)), host=host, port=port,
                log_level="warning")


def serve_in_thread(services: Services, host: str, port: int, url: str,
                    timeout: float = 30.0) -> uvicorn.Server:
    """Start the pages in a daemon thread and wait until they listen."""
    server = uvicorn.Server(uvicorn.Config(create_web_app(services,
                                                          web_config(default_url=url)),
                                           host=host, port=port, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, name="web", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the web pages could not listen on {host}:{port}")
        time.sleep(0.02)
    return server
