"""The email channel's inbound side as ``deskbot run`` starts it, configured from the environment.

``DESKBOT_EMAIL_LISTEN=host:port`` receives mail by SMTP (point an MX record or a forwarding
rule at it); ``DESKBOT_IMAP_URL`` reads a mailbox (see ``imap``). Either or both; both hand each
message to the same intake. ``DESKBOT_EMAIL_MAX_BYTES`` caps a message (10 MB by default).
Outgoing mail is the outbox's ``email`` deliverer (``DESKBOT_SMTP_*``), started with the timed
jobs whatever the inbound side is.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from actions.services import Services
from bot.email.imap import ImapConfig, ImapPoller
from bot.email.inbound import EmailIntake
from bot.email.outbound import SmtpConfig
from bot.email.server import MAX_BYTES, DeskHandler, EmailServer


def listen_address(value: str) -> tuple[str, int]:
    """``host:port``, ``:port`` (all interfaces) or ``[::1]:port``."""
    host, sep, port = value.strip().rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"DESKBOT_EMAIL_LISTEN must be host:port, not {value!r}")
    return host.strip("[]") or "0.0.0.0", int(port)


class EmailChannel:
    """The SMTP listener and/or the IMAP poller of one process."""

    def __init__(self, server: EmailServer | None, poller: ImapPoller | None) -> None:
        self.server = server
        self.poller = poller

    @classmethod
    def from_env(cls, services: Services, env: Mapping[str, str] | None = None,
                 ) -> EmailChannel | None:
        """None when no inbound mail is configured; ValueError when the settings are wrong."""
        env = os.environ if env is None else env
        listen = (env.get("DESKBOT_EMAIL_LISTEN") or "").strip()
        imap = ImapConfig.from_env(env)
        if not listen and imap is None:
            return None
        outbound = SmtpConfig.from_env(env)
        own = [outbound.sender] if outbound else []
        if imap is not None and "@" in imap.user:
            own.append(imap.user)
        intake = EmailIntake(services, own_addresses=tuple(own))
        max_bytes = int(env.get("DESKBOT_EMAIL_MAX_BYTES") or MAX_BYTES)
        server = None
        if listen:
            host, port = listen_address(listen)
            server = EmailServer(DeskHandler(intake, max_bytes=max_bytes), host, port,
                                 max_bytes=max_bytes)
        poller = ImapPoller(imap, intake, max_bytes=max_bytes) if imap is not None else None
        return cls(server, poller)

    def start(self) -> list[str]:
        """Start what is configured; the lines to tell the operator. OSError: port taken."""
        said = []
        if self.server is not None:
            self.server.start()
            said.append(f"deskbot: receiving mail by SMTP on {self.server.host}:{self.server.port}")
        if self.poller is not None:
            self.poller.start()
            cfg = self.poller.config
            said.append(f"deskbot: reading mailbox {cfg.user}@{cfg.host}/{cfg.mailbox} by IMAP")
        return said

    def stop(self) -> None:
        if self.poller is not None:
            self.poller.stop()
        if self.server is not None:
            self.server.stop()
