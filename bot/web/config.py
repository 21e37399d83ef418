"""The web channel's deployment settings, from the environment (secrets never in config.yml)."""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass

log = logging.getLogger(__name__)

SLACK_OIDC_URL = "https://slack.com"


@dataclass(frozen=True)
class WebConfig:
    #: Signs session cookies and CSRF tokens. Every process behind one address needs the same.
    secret: bytes
    #: The address people reach the pages at (sign-in links and Slack's redirect use it).
    public_url: str
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    slack_url: str = SLACK_OIDC_URL
    session_hours: int = 12
    #: How often the live overview fetches its figures again.
    live_seconds: int = 15

    @property
    def slack_sign_in(self) -> bool:
        return bool(self.slack_client_id and self.slack_client_secret)

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")


def web_config(env: dict[str, str] | None = None, *, default_url: str = "http://127.0.0.1:8080",
               ) -> WebConfig:
    env = dict(os.environ if env is None else env)
    secret = env.get("DESKBOT_WEB_SECRET", "")
    if not secret:
        log.warning("DESKBOT_WEB_SECRET is not set: sessions end when this process stops")
        secret = secrets.token_hex(32)
    return WebConfig(
        secret=secret.encode("utf-8"),
        public_url=(env.get("DESKBOT_WEB_URL") or default_url).rstrip("/"),
        slack_client_id=env.get("SLACK_CLIENT_ID") or None,
        slack_client_secret=env.get("SLACK_CLIENT_SECRET") or None,
        slack_url=(env.get("DESKBOT_SLACK_OIDC_URL") or SLACK_OIDC_URL).rstrip("/"),
    )
