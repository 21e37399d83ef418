"""A cookie-keeping HTTP client for the web tests (standard library only; redirects are
returned, not followed, so a test sees exactly what the server answered)."""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from typing import Any

from actions.signin import issue_link


@dataclass
class Answer:
    status: int
    headers: Any
    body: str

    @property
    def location(self) -> str:
        return str(self.headers.get("location") or "")

    def csrf(self) -> str:
        found = re.search(r'name="csrf" value="([^"]+)"', self.body)
        assert found, "the page has no CSRF field"
        return found.group(1)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Web:
    base: str
    jar: CookieJar = field(default_factory=CookieJar)

    def __post_init__(self) -> None:
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar),
                                                  _NoRedirect())

    def request(self, method: str, path: str, data: dict[str, str] | None = None,
                headers: dict[str, str] | None = None) -> Answer:
        url = path if path.startswith("http") else self.base + path
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
        if body is not None:
            req.add_header("content-type", "application/x-www-form-urlencoded")
        try:
            with self.opener.open(req, timeout=30) as r:
                return Answer(r.status, r.headers, r.read().decode("utf-8"))
        except urllib.error.HTTPError as e:
            return Answer(e.code, e.headers, e.read().decode("utf-8", "replace"))

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def post(self, path: str, data: dict[str, str]) -> Answer:
        return self.request("POST", path, data)

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.jar if c.name == name), None)

    def sign_in_with(self, token: str) -> Answer:
        page = self.get(f"/signin/link/{token}")
        assert page.status == 200
        return self.post("/signin/link", {"csrf": page.csrf(), "token": token})

    def sign_in(self, services: Any, name: str) -> Answer:
        token, _ = issue_link(services.uow(), person=name)
        answer = self.sign_in_with(token)
        assert answer.status == 303 and answer.location == "/", answer.body[:300]
        return answer
