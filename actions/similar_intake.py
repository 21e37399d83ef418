"""The conversation's hook for duplicates: before a ticket is opened, an open ticket with the same
problem is offered ("Parece el mismo problema que INC-7 (abierto hace 10 min): ¿sumarme?").

Called by ``ActionOpenTicket`` first thing; returns the turn's slot events when it answered (an
offer, or the person joined), None when the ticket should be opened as usual. Both buttons are
``open_ticket`` payloads, so the dialogue policy needs no new rule: ``{"join": "INC-7"}`` joins,
``{"new": true}`` opens a ticket of their own.
"""

from __future__ import annotations

from typing import Any

from actions import similar
from actions.conversation.base import Replies, Turn, slots
from actions.conversation.payloads import button
from actions.services import Services


def before_opening(services: Services, out: Replies, turn: Turn, problem: dict[str, Any],
                   category: str) -> list[dict[str, Any]] | None:
    join_key = turn.entity("join")
    if join_key:
        ticket = similar.join(services.uow(), key=str(join_key), person_id=turn.person.id)
        out.dispatcher.utter_message(
            text=out.messages.render("tools.joined", out.language, ticket=ticket),
            json_message={"kind": "ticket_joined", "ticket_key": ticket.key})
        return slots(problem=None, suggestions=[], awaiting=None)
    text = str(problem.get("text") or "")
    if turn.entity("new") or not text or problem.get("kind") == "security":
        return None
    found = similar.find_similar(services.uow(), text=text, category=category,
                                 requester_id=turn.person.id)
    if found is None:
        return None
    render = out.messages.render
    out.dispatcher.utter_message(
        text=render("tools.similar_offer", out.language, similar=found),
        buttons=[button(render("tools.join_button", out.language, key=found.key),
                        "open_ticket", join=found.key),
                 button(render("tools.new_button", out.language), "open_ticket", new=True)],
        json_message={"kind": "similar_ticket", "ticket_key": found.key,
                      "score": found.score})
    return slots(awaiting=None)
