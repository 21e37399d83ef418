"""Signing in and out: one-time links (``deskbot web link``) and "Sign in with Slack" (OpenID
Connect, authorization-code flow).

A link opens a page with a button rather than signing in on the GET itself: chat apps and mail
scanners fetch links to preview them, and would otherwise use up the one-time token. Slack's ID
token comes straight from Slack's token endpoint over TLS, authenticated with the client secret,
which OpenID Connect accepts in place of checking its signature (Core 1.0, 3.1.3.7); its issuer,
audience, expiry and nonce are still checked.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from actions import signin
from bot.web.security import SESSION_COOKIE, csrf_ok, form_fields, set_cookie, sign, unsign
from bot.web.site import Site

OIDC_COOKIE = "deskbot_oidc"
SLACK_USER_CLAIM = "https://slack.com/user_id"


def routes(site: Site) -> list[Route]:
    def signin_page(request: Request) -> Response:
        return site.render(request, "signin.html", slack=site.config.slack_sign_in)

    def link_page(request: Request) -> Response:
        return site.render(request, "signin_link.html", token=request.path_params["token"])

    async def redeem(request: Request) -> Response:
        form = await form_fields(request)
        if not csrf_ok(site.config.secret, request, str(form.get("csrf") or "")):
            return site.refuse(request, 403, "csrf")
        token = str(form.get("token") or "")
        person = await run_in_threadpool(signin.redeem_link, site.services.uow(), token=token)
        if person is None:
            return site.refuse(request, 403, "bad_link")
        return _signed_in(site, person)

    async def signout(request: Request) -> Response:
        form = await form_fields(request)
        if not csrf_ok(site.config.secret, request, str(form.get("csrf") or "")):
            return site.refuse(request, 403, "csrf")
        response = RedirectResponse("/signin", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    def slack_start(request: Request) -> Response:
        if not site.config.slack_sign_in:
            return site.refuse(request, 404, "not_found")
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        query = urlencode({
            "response_type": "code", "scope": "openid profile",
            "client_id": site.config.slack_client_id, "state": state, "nonce": nonce,
            "redirect_uri": _redirect_uri(site),
        })
        response = RedirectResponse(f"{site.config.slack_url}/openid/connect/authorize?{query}",
                                    status_code=303)
        set_cookie(response, OIDC_COOKIE,
                   sign(site.config.secret, {"s": state, "n": nonce, "exp": time.time() + 600}),
                   max_age=600, secure=site.config.secure_cookies)
        return response

    def slack_callback(request: Request) -> Response:
        pending = unsign(site.config.secret, request.cookies.get(OIDC_COOKIE))
        code, state = request.query_params.get("code"), request.query_params.get("state")
        if not site.config.slack_sign_in or not pending or not code or \
                not secrets.compare_digest(str(pending.get("s")), state or ""):
            return site.refuse(request, 403, "bad_slack")
        claims = _exchange(site, code)
        if claims is None or claims.get("nonce") != pending.get("n"):
            return site.refuse(request, 403, "bad_slack")
        person = signin.person_by_address(site.services.uow(), channel="slack",
                                          address=str(claims.get(SLACK_USER_CLAIM, "")))
        if person is None:
            return site.refuse(request, 403, "not_registered")
        response = _signed_in(site, person)
        response.delete_cookie(OIDC_COOKIE, path="/")
        return response

    return [
        Route("/signin", signin_page, methods=["GET"]),
        Route("/signin/link/{token}", link_page, methods=["GET"]),
        Route("/signin/link", redeem, methods=["POST"]),
        Route("/signout", signout, methods=["POST"]),
        Route("/signin/slack", slack_start, methods=["GET"]),
        Route("/signin/slack/callback", slack_callback, methods=["GET"]),
    ]


def _signed_in(site: Site, person: Any) -> Response:
    response = RedirectResponse("/", status_code=303)
    set_cookie(response, SESSION_COOKIE, site.session_value(person),
               max_age=3600 * site.config.session_hours, secure=site.config.secure_cookies)
    return response


def _redirect_uri(site: Site) -> str:
    return f"{site.config.public_url}/signin/slack/callback"


def _exchange(site: Site, code: str) -> dict[str, Any] | None:
    """Trade the code for Slack's ID token and return its checked claims (None if refused)."""
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    client = WebClient(base_url=f"{site.config.slack_url}/api/")
    try:
        answer = client.openid_connect_token(
            client_id=site.config.slack_client_id or "",
            client_secret=site.config.slack_client_secret or "", code=code,
            redirect_uri=_redirect_uri(site))
    except (SlackApiError, OSError, ValueError):
        return None
    claims = _claims(str(answer.get("id_token") or ""))
    if claims is None or claims.get("iss") != site.config.slack_url:
        return None
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if site.config.slack_client_id not in audiences:
        return None
    if float(claims.get("exp", 0)) < time.time():
        return None
    return claims


def _claims(id_token: str) -> dict[str, Any] | None:
    parts = id_token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return None
    return claims if isinstance(claims, dict) else None
