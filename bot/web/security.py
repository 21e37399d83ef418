"""Signed cookies, CSRF tokens and the security headers every answer carries.

A session is the person's id and an expiry, signed with HMAC-SHA256 (nothing secret inside, so
signing is enough; the person is re-read on every request so a role change applies at once).
CSRF is a double submit bound to the secret: a random ``deskbot_csrf`` cookie, and in every form
the HMAC of that cookie, which a page of another site can neither read nor compute.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SESSION_COOKIE = "deskbot_session"
CSRF_COOKIE = "deskbot_csrf"

HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self' {forms}; frame-ancestors 'none'"),
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(secret: bytes, payload: dict[str, Any]) -> str:
    body = _b64(json.dumps(payload, separators=(",", ":")).encode("utf-8"))
    mac = _b64(hmac.new(secret, body.encode("ascii"), hashlib.sha256).digest())
    return f"{body}.{mac}"


def unsign(secret: bytes, value: str | None, *, now: float | None = None,
           ) -> dict[str, Any] | None:
    """The payload of a value ``sign`` made and that has not expired; None for anything else."""
    if not value or value.count(".") != 1 or len(value) > 4096:
        return None
    body, mac = value.split(".")
    expected = _b64(hmac.new(secret, body.encode("ascii"), hashlib.sha256).digest())
    if not hmac.compare_digest(mac, expected):
        return None
    try:
        payload = json.loads(_unb64(body))
    except ValueError:
        return None
    if not isinstance(payload, dict):
        return None
    if float(payload.get("exp", 0)) < (time.time() if now is None else now):
        return None
    return payload


MAX_FORM = 16_384  # the pages' forms carry a token or two


async def form_fields(request: Request) -> dict[str, str]:
    """A small urlencoded form (the only kind the pages post); anything else reads as empty."""
    if not request.headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"):
        return {}
    body = await request.body()
    if len(body) > MAX_FORM:
        return {}
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    except (UnicodeDecodeError, ValueError):
        return {}
    return {k: v for k, v in pairs}


def csrf_token(secret: bytes, cookie: str) -> str:
    return hmac.new(secret, f"csrf:{cookie}".encode(), hashlib.sha256).hexdigest()


def ensure_csrf_cookie(request: Request) -> str:
    """This browser's CSRF cookie value, made on first sight (set by ``CsrfCookie``)."""
    value = request.cookies.get(CSRF_COOKIE)
    if not value or len(value) != 43:
        value = request.scope.setdefault("state", {}).get("new_csrf") or secrets.token_urlsafe(32)
        request.scope["state"]["new_csrf"] = value
    return value


def csrf_ok(secret: bytes, request: Request, submitted: str | None) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie or not submitted:
        return False
    return hmac.compare_digest(csrf_token(secret, cookie), submitted)


def set_cookie(response: Response, name: str, value: str, *, max_age: int | None,
               secure: bool, same_site: str = "lax") -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, secure=secure,
                        samesite=same_site, path="/")  # type: ignore[arg-type]


class SecurityHeaders:
    """ASGI middleware: the headers above on every answer, ``no-store`` on pages, and the CSRF
    cookie for browsers that do not have one yet."""

    def __init__(self, app: ASGIApp, *, secure: bool, form_targets: str = "") -> None:
        self.app = app
        self.secure = secure
        self.headers = [(k.encode(), v.format(forms=form_targets).encode())
                        for k, v in HEADERS.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in self.headers if k not in present]
                if b"cache-control" not in present and not scope["path"].startswith("/static/"):
                    headers.append((b"cache-control", b"no-store"))
                new = scope.get("state", {}).get("new_csrf")
                if new:
                    flags = "; HttpOnly; SameSite=Strict; Path=/" + ("; Secure" if self.secure
                                                                      else "")
                    headers.append((b"set-cookie", f"{CSRF_COOKIE}={new}{flags}".encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
