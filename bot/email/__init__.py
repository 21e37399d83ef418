"""Email as a full channel (seed 004, "Consolidar estrategias omnichannel": 64 % of requests
arrive by email).

Inbound: an SMTP listener (``server``) and an IMAP mailbox poller (``imap``) hand each message to
``inbound``, which parses it (``parse``) and calls the use case ``actions.email.intake.receive``:
the same conversation as a Slack DM. ``channel`` starts whichever is configured for ``deskbot
run``. Outbound: the outbox ``Deliverer`` of the ``email`` channel (``outbound``) renders answers
and notices from this channel's own templates (``render``, ``templates/``) as text and HTML.
"""

from __future__ import annotations

from bot.email.outbound import SmtpDeliverer, email_deliverer_from_env

__all__ = ["SmtpDeliverer", "email_deliverer_from_env"]
