""""Sign in with Slack": the OpenID Connect code flow against a loopback stand-in of Slack's
authorize page and ``openid.connect.token`` method."""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from bot.web.config import WebConfig
from tests.web.conftest import SECRET, Server, serve

CLIENT_ID, CLIENT_SECRET = "123.456", "s3cret"


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


class SlackOidc:
    """Slack's side: the authorize page sends the browser back with a code; the token method
    answers an ID token for whoever "signed in" (``user``), after checking the client."""

    def __init__(self) -> None:
        self.user = "UMARTA"
        self.nonces: dict[str, str] = {}
        self.token_calls: list[dict[str, str]] = []
        self.claims: dict[str, Any] = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                url = urllib.parse.urlsplit(self.path)
                q = dict(urllib.parse.parse_qsl(url.query))
                assert url.path == "/openid/connect/authorize"
                assert q["client_id"] == CLIENT_ID and "openid" in q["scope"]
                code = f"code-{len(outer.nonces)}"
                outer.nonces[code] = q["nonce"]
                back = f"{q['redirect_uri']}?code={code}&state={q['state']}"
                self.send_response(302)
                self.send_header("Location", back)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                form = dict(urllib.parse.parse_qsl(raw))
                auth = self.headers.get("Authorization", "")
                if auth.startswith("Basic "):
                    cid, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
                    form.setdefault("client_id", cid)
                    form.setdefault("client_secret", secret)
                outer.token_calls.append(form)
                ok = (self.path == "/api/openid.connect.token"
                      and form.get("client_id") == CLIENT_ID
                      and form.get("client_secret") == CLIENT_SECRET
                      and form.get("code") in outer.nonces)
                if ok:
                    claims = {"iss": outer.issuer, "aud": CLIENT_ID, "exp": time.time() + 300,
                              "nonce": outer.nonces.pop(form["code"]),
                              "https://slack.com/user_id": outer.user, **outer.claims}
                    body = {"ok": True, "access_token": "xoxp-1", "token_type": "Bearer",
                            "id_token": f"{_b64({'alg': 'RS256'})}.{_b64(claims)}.sig"}
                else:
                    body = {"ok": False, "error": "invalid_code"}
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,),
                         daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def slack() -> Iterator[SlackOidc]:
    stand_in = SlackOidc()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def web_slack(sqlite_services, slack) -> Iterator[Server]:  # type: ignore[no-untyped-def]
    yield from serve(sqlite_services, WebConfig(
        secret=SECRET, public_url="http://x", slack_client_id=CLIENT_ID,
        slack_client_secret=CLIENT_SECRET, slack_url=slack.issuer))


def _through_slack(c, slack: SlackOidc):  # type: ignore[no-untyped-def]
    start = c.get("/signin/slack")
    assert start.status == 303 and start.location.startswith(slack.issuer)
    back = c.get(start.location)  # Slack's page sends the browser back
    assert back.status == 302
    return c.get(back.location)


def test_a_registered_slack_user_signs_in(web_slack, slack, cast):
    c = web_slack.client()
    assert 'id="slack-sign-in"' in c.get("/signin").body
    done = _through_slack(c, slack)
    assert (done.status, done.location) == (303, "/")
    assert "Marta Ruiz" in c.get("/overview").body
    assert slack.token_calls[-1]["redirect_uri"] == f"{web_slack.url}/signin/slack/callback"


def test_unknown_users_forged_states_and_wrong_tokens_are_refused(web_slack, slack, cast):
    slack.user = "UNOBODY"
    c = web_slack.client()
    refused = _through_slack(c, slack)
    assert refused.status == 403 and c.cookie("deskbot_session") is None

    slack.user = "UMARTA"
    c = web_slack.client()
    start = c.get("/signin/slack")
    back = c.get(start.location)
    forged = back.location.replace("state=", "state=x")
    assert c.get(forged).status == 403  # the state does not match this browser's
    other = web_slack.client()  # a callback without the browser's own sign-in cookie
    assert other.get(back.location).status == 403

    slack.claims = {"aud": "someone-else"}
    assert _through_slack(web_slack.client(), slack).status == 403
    slack.claims = {"exp": time.time() - 10}
    assert _through_slack(web_slack.client(), slack).status == 403


def test_without_client_credentials_there_is_no_slack_button(web, cast):
    c = web.client()
    assert "slack-sign-in" not in c.get("/signin").body
    assert c.get("/signin/slack").status == 404
