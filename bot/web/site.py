"""What every web handler needs: the desk's services, the web settings, the templates, and the
signed-in person.

Pages are Jinja2 templates (``bot/web/templates``) autoescaped for HTML; every word a person
reads comes from ``templates/<lang>/words.j2``, imported by the pages as ``w``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from actions import signin
from actions.reports import duration
from actions.services import Services
from actions.views import PersonView
from bot.web.config import WebConfig
from bot.web.security import SESSION_COOKIE, csrf_token, ensure_csrf_cookie, sign, unsign

HERE = Path(__file__).resolve().parent
LANGUAGES = ("es", "en")
LANG_COOKIE = "deskbot_lang"
#: Paths answered with 401 rather than a redirect to the sign-in page (scripts, downloads).
MACHINE_PREFIXES = ("/api/", "/csv/", "/live/")

#: Page handlers are plain functions: Starlette runs them in its thread pool, so the database
#: calls they make never hold up the event loop.
Handler = Callable[[Request], Response]


class Site:
    def __init__(self, services: Services, config: WebConfig) -> None:
        self.services = services
        self.config = config
        self.env = Environment(loader=FileSystemLoader(HERE / "templates"),
                               autoescape=select_autoescape(("html", "j2")),
                               undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        self.env.filters["duration"] = partial(duration, missing="–")

    # --- who is asking ------------------------------------------------------------------

    def person(self, request: Request) -> PersonView | None:
        if "person" not in request.scope.setdefault("state", {}):
            payload = unsign(self.config.secret, request.cookies.get(SESSION_COOKIE))
            person = None
            if payload and isinstance(payload.get("p"), int):
                person = signin.person_for_session(self.services.uow(), person_id=payload["p"])
            request.scope["state"]["person"] = person
        return request.scope["state"]["person"]  # type: ignore[no-any-return]

    def session_value(self, person: PersonView) -> str:
        return sign(self.config.secret, {"p": person.id,
                                         "exp": time.time() + 3600 * self.config.session_hours})

    def language(self, request: Request, person: PersonView | None) -> str:
        asked = request.query_params.get("lang")
        if asked in LANGUAGES:
            return asked
        cookie = request.cookies.get(LANG_COOKIE)
        if cookie in LANGUAGES:
            return cookie
        if person is not None and person.language in LANGUAGES:
            return person.language
        return "es"

    # --- answers ------------------------------------------------------------------------

    def render(self, request: Request, template: str, status: int = 200, **context: Any,
               ) -> HTMLResponse:
        person = self.person(request)
        lang = self.language(request, person)
        zone = _zone(person.timezone if person else "UTC")
        page = self.env.get_template(template).render(
            lang=lang, me=person, request=request, path=request.url.path,
            w=self.env.get_template(f"{lang}/words.j2").module,
            csrf=csrf_token(self.config.secret, ensure_csrf_cookie(request)),
            local=lambda when: _local(when, zone), pairs=_pairs, **context)
        response = HTMLResponse(page, status_code=status)
        if request.query_params.get("lang") in LANGUAGES:
            response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, httponly=True,
                                samesite="lax", secure=self.config.secure_cookies)
        return response

    def refuse(self, request: Request, status: int, reason: str) -> Response:
        if request.url.path.startswith(MACHINE_PREFIXES):
            return JSONResponse({"ok": False, "error": reason}, status_code=status)
        return self.render(request, "error.html", status=status, reason=reason)


def _pairs(items: list[Any], names: dict[str, str] | None = None) -> list[tuple[str, int]]:
    """``Count`` rows as chart items, labels translated where ``names`` knows them."""
    return [((names or {}).get(c.label, c.label), c.count) for c in items]


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _local(when: datetime | None, zone: ZoneInfo) -> str:
    return "" if when is None else when.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def signed_in(site: Site, handler: Handler) -> Handler:
    """Only for a signed-in person: others get 401 (machine paths) or the sign-in page."""

    def guarded(request: Request) -> Response:
        if site.person(request) is None:
            if request.url.path.startswith(MACHINE_PREFIXES):
                return JSONResponse({"ok": False, "error": "not_signed_in"}, status_code=401)
            return RedirectResponse("/signin", status_code=303)
        return handler(request)

    return guarded
