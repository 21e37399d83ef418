"""The requester in control: "ya no hace falta", "cancel" or the Cancel button withdraws their
own ticket, after a yes/no question (a cancelled ticket cannot be brought back).

Recognised by rule, like "still broken": the words that mean "I no longer need it" are few, and
a model trained on them would also take "¿cómo cancelo una reunión?" for a cancellation. Whoever
works the ticket is told by the notice of the ``cancelled`` event.
"""

from __future__ import annotations

import re
from typing import Any

from actions import queries, work
from actions.conversation.base import DeskAction, Replies, Turn, slots
from actions.conversation.payloads import button
from actions.conversation.phrases import fold
from actions.conversation.tickets import target_key
from actions.ports import UnitsOfWork
from actions.views import TicketView
from store.lifecycle import ACTIVE

_CANCEL = re.compile(
    r"^\s*(cancel(a|ar|alo|arlo)?|cancel it|anula(lo)?|olvidalo|never ?mind|forget it)\s*[.!]*\s*$"
    r"|\b(cancel(a|ar|alo|arlo|e|en)?|anula(r)?) (el|mi|este|ese|the|my|this) "
    r"(ticket|caso|pedido|solicitud|request|incidente)"
    r"|\bcancel (the|my|this) (ticket|request|case)"
    r"|\bya no (lo |la )?(necesito|hace falta|es necesario|ocupo)"
    r"|\bno (lo |la )?necesito ya\b"
    r"|\b(i )?(do not|don'?t) need (it|this|the ticket) (any ?more|anymore)"
    r"|\bno longer (need|needed|necessary|required)|\bnot needed any ?more"
)


def says_cancel(text: str) -> bool:
    """"cancel", "ya no hace falta", "ya no lo necesito, cancela el ticket", "no longer needed"."""
    return bool(_CANCEL.search(fold(text)))


def _own_active(services: UnitsOfWork, turn: Turn) -> list[TicketView]:
    return [t for t in queries.my_tickets(services.uow(), actor_id=turn.person.id)
            if t.status in ACTIVE and t.requester.id == turn.person.id]


class ActionCancelTicket(DeskAction):
    """Which ticket, then "¿Lo cancelo?" with Yes / No."""

    def name(self) -> str:
        return "action_cancel_ticket"

    def act(self, out: Replies, turn: Turn) -> list[dict[str, Any]]:
        key = target_key(self.services, turn) or turn.slots.get("ticket_key")
        mine = _own_active(self.services, turn)
        if key is None or key not in {t.key for t in mine}:
            named = key if key and turn.entity("ticket_key") else None
            if named:  # asked for a specific one: say why it can't be (not theirs, finished)
                ticket = queries.show_ticket(self.services.uow(), key=named,
                                             actor_id=turn.person.id)
                out.say("cancel_not_active", ticket=ticket)
                return slots(awaiting=None, cancel_key=None)
            if len(mine) != 1:
                out.say("cancel_which" if mine else "cancel_nothing", tickets=mine)
                return slots(awaiting=None, cancel_key=None)
            key = mine[0].key
        ticket = next(t for t in mine if t.key == key)
        out.say("cancel_question", ticket=ticket, buttons=[
            button(out.text("cancel_yes_button"), "cancel_confirm", ticket_key=ticket.key),
            button(out.text("cancel_no_button"), "cancel_keep", ticket_key=ticket.key),
        ], custom={"kind": "cancel_question", "ticket_key": ticket.key})
        reason = None if turn.text.startswith("/") else turn.text
        return slots(awaiting="cancel_confirm", cancel_key=ticket.key, cancel_reason=reason)


class ActionCancelConfirmed(DeskAction):
    def name(self) -> str:
        return "action_cancel_confirmed"

    def act(self, out: Replies, turn: Turn) -> list[dict[str, Any]]:
        key = turn.entity("ticket_key") or turn.slots.get("cancel_key")
        if not key:
            out.say("cancel_nothing", tickets=[])
            return slots(awaiting=None, cancel_key=None)
        # The reason is what they wrote when asking to cancel, never the "sí" that confirms it.
        reason = turn.slots.get("cancel_reason")
        ticket = work.cancel(self.services.uow(), key=str(key), actor_id=turn.person.id,
                             reason=reason)
        out.say("cancelled", ticket=ticket, custom={"kind": "cancelled",
                                                     "ticket_key": ticket.key})
        return slots(awaiting=None, cancel_key=None, cancel_reason=None, ticket_key=None)


class ActionCancelKept(DeskAction):
    def name(self) -> str:
        return "action_cancel_kept"

    def act(self, out: Replies, turn: Turn) -> list[dict[str, Any]]:
        key = turn.entity("ticket_key") or turn.slots.get("cancel_key")
        out.say("cancel_kept", key=key or "")
        return slots(awaiting=None, cancel_key=None)


__all__ = ["ActionCancelConfirmed", "ActionCancelKept", "ActionCancelTicket", "says_cancel"]
