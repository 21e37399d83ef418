"""Short answers that need no ticket: greetings, thanks, goodbyes, and what the bot can do."""

from __future__ import annotations

from typing import Any

from actions.conversation.base import DeskAction, Replies, Turn, slots
from actions.conversation.payloads import button


class ActionGreet(DeskAction):
    def name(self) -> str:
        return "action_greet"

    def act(self, out: Replies, turn: Turn) -> list[dict[str, Any]]:
        out.say("greet", name=turn.person.name.split(" ")[0])
        return []


class ActionThanks(DeskAction):
    def name(self) -> str:
        return "action_thanks"

    def act(self, out: Replies, turn: Turn) -> list[dict[str, Any]]:
        out.say("thanks")
        return []


class ActionGoodbye(DeskAction):
    def name(self) -> str:
        return "action_goodbye"

    def act(self, out: Replies, turn: Turn) -> list[dict[str, Any]]:
        out.say("goodbye")
        return slots(awaiting=None, problem=None, suggestions=[])


class ActionOutOfScope(DeskAction):
    """What the bot does, for questions it is not for (and for messages it cannot read)."""

    def name(self) -> str:
        return "action_out_of_scope"

    def act(self, out: Replies, turn: Turn) -> list[dict[str, Any]]:
        out.say("out_of_scope" if turn.intent == "out_of_scope" else "help",
                name=turn.person.name.split(" ")[0])
        return []


class ActionNotUnderstood(DeskAction):
    """"asdfgh" or "jajaja": not a question the desk is not for, just nothing it can read. A
    gentle "I didn't get that" and what it can do, rather than "that's outside what I do"."""

    def name(self) -> str:
        return "action_not_understood"

    def act(self, out: Replies, turn: Turn) -> list[dict[str, Any]]:
        out.say("not_understood", name=turn.person.name.split(" ")[0],
                custom={"kind": "not_understood"})
        return []


class ActionOfferTicket(DeskAction):
    """After "no, that didn't help": offer the ticket instead of opening one unasked."""

    def name(self) -> str:
        return "action_offer_ticket"

    def act(self, out: Replies, turn: Turn) -> list[dict[str, Any]]:
        out.say("offer_ticket", buttons=[
            button(out.text("open_ticket_yes_button"), "open_ticket"),
            button(out.text("no_thanks_button"), "deny"),
        ])
        return slots(awaiting="open_confirm")


class ActionDeclineTicket(DeskAction):
    def name(self) -> str:
        return "action_decline_ticket"

    def act(self, out: Replies, turn: Turn) -> list[dict[str, Any]]:
        out.say("open_declined")
        return slots(awaiting=None, problem=None, suggestions=[])


class ActionAskDetail(DeskAction):
    """"No funciona" alone: ask what fails before searching or opening anything."""

    def name(self) -> str:
        return "action_ask_detail"

    def act(self, out: Replies, turn: Turn) -> list[dict[str, Any]]:
        out.say("ask_detail", custom={"kind": "ask_detail"})
        return slots(awaiting="detail", problem=None, suggestions=[])
