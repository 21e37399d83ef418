"""What a channel is to the desk, and how one is plugged in.

A channel (Slack, email, the console, a web chat, Microsoft Teams ...) brings people's messages
to the conversation and delivers what the desk says. To the desk it is:

* a name, used for ``Ticket.channel``, ``Conversation.channel`` and outbox rows;
* the flavour its text is rendered in (``Messages("mrkdwn")`` for Slack, ``"plain"`` elsewhere);
* a ``Deliverer`` for the outbox (``deliver(item)``), which sends replies (``reply``
  recipients: a turn's answers in the conversation's thread), thread notices, direct messages;
* an inbound adapter of its own that calls ``actions.conversation.turn.converse`` (one unit of
  work per message) and the use cases.

The composition root registers it once: ``services.add_channel(channel)``. Nothing in
``actions/`` or ``store/`` names a particular channel's details.
"""

from __future__ import annotations

from typing import Protocol

from actions.messages import Messages
from actions.outbox import OutboxItem

#: Channels every desk knows (they need no registration to own tickets opened by the CLI).
BUILT_IN = ("console", "slack", "email")


class Channel(Protocol):
    name: str
    messages: Messages

    def deliver(self, item: OutboxItem) -> None: ...
