"""The internal chat: the thread under a ticket's triage card in its team's channel.

What technicians write there is recorded on the ticket as a private note (author and time kept),
and private notes written anywhere else (``/ticket note``, the reply modal) are posted there by
the outbox (``actions.notify``: the ``team`` audience of ``noted``). A note that came from the
thread is marked with its source, so it is not echoed back into the thread it was written in.
Notes are internal events: nothing here ever reaches the requester.
"""

from __future__ import annotations

from actions.access import require_staff
from actions.common import committed, locked, now
from actions.notify import TRIAGE_THREAD
from actions.text import clean
from actions.views import TicketView
from store.uow import UnitOfWork


def note_from_thread(uow: UnitOfWork, *, key: str, actor_id: int, text: str,
                     message_ref: str | None = None) -> TicketView:
    """A message in the card's thread becomes a private note on the ticket (staff only)."""
    body = clean(text, field="note")
    with uow:
        ticket, actor = locked(uow, key, actor_id)
        require_staff(actor, "note")
        at = now()
        uow.events.append(ticket, "noted", actor=actor, at=at, visibility="internal",
                          payload={"text": body, "source": TRIAGE_THREAD, "ref": message_ref})
        return committed(uow, ticket, at)
