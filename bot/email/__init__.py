"""Email as a second channel (seed 004, "Consolidar estrategias omnichannel": 64 % of requests
arrive by email).

Inbound: an SMTP server (aiosmtpd) turns each message into a ticket, or into a comment on the
ticket it replies to (``server``, ``inbound``, ``parse``). Outbound: an outbox ``Deliverer`` for
the ``email`` channel sends notifications by SMTP, threaded with the requester's original message
(``outbound``). ``ids`` holds the Message-ID conventions both directions share.
"""

from __future__ import annotations

__all__ = ["email_deliverer_from_env"]


def email_deliverer_from_env(*args, **kwargs):  # type: ignore[no-untyped-def]
    """See ``bot.email.outbound.email_deliverer_from_env`` (imported lazily: no smtplib at
    import time of the package)."""
    from bot.email.outbound import email_deliverer_from_env as build

    return build(*args, **kwargs)
