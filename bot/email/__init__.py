"""Email as a second channel (seed 004, "Consolidar estrategias omnichannel": 64 % of requests
arrive by email).

Inbound: an SMTP server (aiosmtpd) turns each message into a ticket, or into a comment on the
ticket it replies to (``server``, ``inbound``, ``parse``). Outbound: an outbox ``Deliverer`` for
the ``email`` channel sends notifications by SMTP, threaded with the requester's original message
(``outbound``). ``ids`` holds the Message-ID conventions both directions share.
"""

from __future__ import annotations

from bot.email.outbound import SmtpDeliverer, email_deliverer_from_env

__all__ = ["SmtpDeliverer", "email_deliverer_from_env"]
