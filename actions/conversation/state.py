"""A conversation's state: Rasa-style slots kept in the ``conversations`` table.

Every turn loads the slots, runs the actions, and saves what their ``SlotSet`` events changed, so
a restart (or the next process behind the load balancer) continues exactly where the last one
stopped. Channels may keep a few values of their own under ``channel`` (the console's thread
number), next to the slots but never mixed with them.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from actions.common import now
from store.db import insert_new
from store.models import Conversation
from store.uow import UnitOfWork

#: Slot names and their empty values; anything else in the stored state is ignored.
SLOTS: dict[str, Any] = {
    "language": None,
    "awaiting": None,  # faq | faq_which | open_confirm | description | detail | handover
    #                    | security_confirm | security_description | security | survey_comment
    "thread": None,  # the thread (Slack) or problem (console) the slots below belong to
    "problem": None,  # {"text", "kind", "category", "urgency", "impact"}
    "suggestions": [],  # [{"article_id", "title", "category", "language", "score"}]
    "deflected": [],  # article ids already recorded as "this solved it" for this problem
    "ticket_key": None,  # the last ticket this conversation opened or handled
    "security_key": None,
    "security_kind": None,  # the kind of incident being asked about (security_kinds)
    "security_step": 0,
    "survey_key": None,
    "cancel_key": None,  # the ticket the requester is asked to confirm cancelling
    "cancel_reason": None,  # what they wrote to ask for it: the reason technicians read
    "new_text": None,  # a message held while asking "is it about INC-3 (or an answer to the
    #                    security questions) or a new problem?"
}


def fresh_slots() -> dict[str, Any]:
    """Every slot at its empty value: a copy of ``SLOTS`` whose lists are the state's own
    (the empty values are flat, so copying each is enough; ``copy.deepcopy`` cost five times
    as much on every new conversation)."""
    return {name: value.copy() if isinstance(value, list | dict) else value
            for name, value in SLOTS.items()}


#: What one problem gathered; none of it survives into another thread.
PROBLEM_SLOTS = ("problem", "suggestions", "deflected", "ticket_key")
#: Questions still answered after the thread changed.
CARRIED_OVER = frozenset({"survey_comment"})


@dataclass
class ConversationState:
    channel: str
    ref: str
    person_id: int | None
    slots: dict[str, Any] = field(default_factory=fresh_slots)
    channel_data: dict[str, Any] = field(default_factory=dict)
    stored: bool = False

    def apply(self, events: list[dict[str, Any]]) -> None:
        """Apply the ``slot`` events an action returned (others are not state)."""
        for event in events:
            if event.get("event") == "slot" and event.get("name") in SLOTS:
                self.slots[event["name"]] = event.get("value")

    def enter_thread(self, thread_ref: str | None) -> None:
        """Start fresh when the person moved to another thread (a new top-level Slack message,
        the console's ``/new``): the problem, its suggestions and any yes/no question belong to
        the thread they were asked in. Only the survey comment is kept: the console moves to a
        new thread as soon as the rated ticket is closed, and the comment still answers it.
        """
        if thread_ref is None or self.slots.get("thread") == thread_ref:
            return
        if self.slots.get("thread") is not None:
            keep = self.slots.get("awaiting") in CARRIED_OVER
            for name in PROBLEM_SLOTS:
                self.slots[name] = copy.deepcopy(SLOTS[name])
            if not keep:
                self.slots["awaiting"] = None
        self.slots["thread"] = thread_ref

    def as_dict(self) -> dict[str, Any]:
        return {"slots": self.slots, "channel": self.channel_data}


def load_state(uow: UnitOfWork, *, channel: str, ref: str, person_id: int | None = None,
               ) -> ConversationState:
    """The stored state, or a fresh one (nothing is written until ``save_state``)."""
    with uow:
        row = uow.session.scalar(select(Conversation).where(
            Conversation.channel == channel, Conversation.ref == ref))
        state = ConversationState(channel=channel, ref=ref, person_id=person_id)
        if row is not None:
            stored = dict(row.state or {})
            for name, value in (stored.get("slots") or {}).items():
                if name in SLOTS:
                    state.slots[name] = value
            state.channel_data = dict(stored.get("channel") or {})
            state.person_id = person_id if person_id is not None else row.person_id
            state.stored = True
        return state


def save_state(uow: UnitOfWork, state: ConversationState) -> None:
    """Insert or update the conversation's row in one transaction.

    A state that was not stored when loaded is inserted straight away (one statement; the row
    is looked for only when someone else stored it meanwhile)."""
    with uow:
        if not state.stored and insert_new(uow.session, Conversation, {
                "channel": state.channel, "ref": state.ref, "person_id": state.person_id,
                "state": state.as_dict(), "updated_at": now()}):  # serialised at once
            uow.commit()
            state.stored = True
            return
        row = uow.session.scalar(select(Conversation).where(
            Conversation.channel == state.channel, Conversation.ref == state.ref
        ).with_for_update())
        if row is None:
            row = Conversation(channel=state.channel, ref=state.ref)
            uow.session.add(row)
        row.person_id = state.person_id
        row.state = copy.deepcopy(state.as_dict())
        row.updated_at = now()
        uow.commit()
        state.stored = True
