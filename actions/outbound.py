"""Messages a channel adapter sends because of what one unit of work did, queued in it.

A button, a form or a command changes something and then shows it: a private answer to whoever
pressed it, the ticket's card brought up to date, the Home tab drawn again, the message holding
the buttons edited. Queued here, each is an outbox row of the same unit of work as the change
(inside a turn ``services.uow()`` joins it): it exists if and only if the change committed, it is
sent right after the commit by the channel's deliverer, and when the channel fails it stays in
the outbox and the worker tries again, after a restart too.

What a row carries (``recipient``, ``context``) is the channel's business: the desk only keeps it
and hands it back to that channel's deliverer.
"""

from __future__ import annotations

import uuid
from typing import Any

from actions.services import Services
from store.models import OutboxMessage


def queue(services: Services, *, channel: str, template: str, recipient: dict[str, Any],
          context: dict[str, Any] | None = None, language: str | None = None,
          key: str | None = None) -> None:
    """Queue one message (``template`` names its kind) in the current unit of work."""
    with services.uow() as uow:
        uow.outbox.add(OutboxMessage(
            key=key or f"{template}:{uuid.uuid4().hex}", channel=channel, recipient=recipient,
            template=template, language=language or services.settings.language,
            context=dict(context or {})))
        uow.commit()


def reply(services: Services, *, channel: str, ref: str, person_id: int,
          replies: list[dict[str, Any]], key: str | None = None) -> None:
    """A conversation's answer in thread ``ref`` (as a turn's replies are sent)."""
    from actions.conversation.turn import queue_replies

    with services.uow() as uow:
        queue_replies(uow, channel=channel, ref=ref, person_id=person_id, replies=replies,
                      key=key)
        uow.commit()
