"""The web channel: a Starlette app over the desk's services (dashboards, tickets, FAQ).

Built by ``create_web_app`` (no module-level app, so each test and process builds its own).
Pages render on the server; the only script is ``static/live.js``, which refreshes the live
overview, so the Content-Security-Policy can forbid inline script entirely.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from actions.services import Services
from bot.web import auth, pages, tickets
from bot.web.config import WebConfig, web_config
from bot.web.security import SecurityHeaders
from bot.web.site import HERE, Site


def create_web_app(services: Services, config: WebConfig | None = None) -> Starlette:
    config = config or web_config()
    site = Site(services, config)

    async def not_found(request: Request, exc: Exception) -> Response:
        return site.refuse(request, 404, "not_found")

    async def server_error(request: Request, exc: Exception) -> Response:
        return site.refuse(request, 500, "server_error")

    forms = config.slack_url if config.slack_sign_in else ""
    app = Starlette(
        routes=[*auth.routes(site), *pages.routes(site), *tickets.routes(site),
                Mount("/static", StaticFiles(directory=HERE / "static"), name="static")],
        middleware=[Middleware(SecurityHeaders, secure=config.secure_cookies,
                               form_targets=forms)],
        exception_handlers={404: not_found, 500: server_error},
    )
    app.state.site = site
    return app
