"""Inside a ticket's thread, a message that reads like a different problem is not silently added
to that ticket: the person is asked "¿Es sobre INC-3 o es un problema nuevo?".

"Reads like a different problem": the model hears a problem report (or a request, or a how-to)
and it names a category other than the ticket's ("la impresora no imprime" in a VPN ticket's
thread). Details about the same thing ("ya reinicié y sigue igual") carry no other category and
stay comments, as before. The message is held in the ``new_text`` slot until the person chooses.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from actions import work
from actions.conversation.base import DeskAction, Replies, Turn, slots
from actions.conversation.faq import ActionSuggestFaq
from actions.conversation.payloads import button
from actions.conversation.phrases import word_count
from actions.conversation.security import ActionSecurityIntake

PROBLEM_INTENTS = ("report_problem", "request_service", "ask_howto")
#: Below this the model is unsure the message is a problem at all: a comment is safer.
CONFIDENCE = 0.5
MIN_WORDS = 4


def looks_new(intent: str, confidence: float, text: str, category: Any,
              ticket_category: str | None) -> bool:
    """True when a message in a ticket's thread most likely opens another problem."""
    return (intent in PROBLEM_INTENTS and confidence >= CONFIDENCE
            and word_count(text) >= MIN_WORDS and bool(category)
            and category not in (ticket_category, "other"))


class ActionNewProblem(DeskAction):
    """Ask which it is; then ``/same_ticket`` adds the held message as a comment and
    ``/new_problem`` treats it as a new problem (suggestions, then a ticket of its own; a
    security incident held during another one's questions opens its own SEC- ticket)."""

    def name(self) -> str:
        return "action_new_problem"

    def act(self, out: Replies, turn: Turn) -> list[dict[str, Any]]:
        held = turn.slots.get("new_text") or None
        if turn.intent == "same_ticket" and held:
            key = str(turn.entity("ticket_key") or turn.slots.get("target_key") or "")
            ticket = work.comment(self.services.uow(), key=key, actor_id=turn.person.id,
                                  text=str(held["text"]))
            out.say("comment_added", ticket=ticket, custom={
                "kind": "comment_added", "ticket_key": ticket.key, "status": ticket.status})
            return slots(new_text=None, awaiting=None, ticket_key=ticket.key)
        paused = turn.slots.get("security_key") \
            if turn.slots.get("awaiting") == "security" else None
        if held and (turn.intent == "new_problem" or paused):  # the button, or typed so
            if paused:  # the security questions wait: what was answered stays recorded
                out.say("security_paused", key=paused,
                        custom={"kind": "security_paused", "ticket_key": paused})
            else:
                out.say("new_problem_started", custom={"kind": "new_problem"})
            again = replace(turn, text=str(held["text"]), intent=str(held["intent"]),
                            entities=tuple(held.get("entities") or ()),
                            slots={**turn.slots, "awaiting": None, "security_key": None,
                                   "problem": None})
            if again.intent == "security_incident":  # another incident: its own SEC- ticket
                events = ActionSecurityIntake(self.services, out.messages).act(out, again)
            else:
                events = ActionSuggestFaq(self.services, out.messages).act(out, again)
            stop = slots(security_key=None, security_step=0, security_kind=None) \
                if paused else []
            return [*slots(new_text=None, awaiting=None), *stop, *events]
        target = turn.slots.get("target_key")
        if not target or turn.intent in ("same_ticket", "new_problem"):
            out.say("help", name=turn.person.name)
            return slots(new_text=None)
        out.say("which_ticket", key=target, buttons=[
            button(out.text("same_ticket_button", key=target), "same_ticket", ticket_key=target),
            button(out.text("new_problem_button"), "new_problem"),
        ], custom={"kind": "which_ticket", "ticket_key": target})
        return slots(new_text={"text": turn.text, "intent": turn.intent,
                               "entities": list(turn.entities)}, awaiting=None)


__all__ = ["ActionNewProblem", "looks_new"]
