"""One turn of a conversation: understand the message, pick the action, run it, keep the state.

This is the in-process stand-in for Rasa Core: the NLU parse (or a button payload) goes to the
policy, the chosen rasa-sdk action runs with a ``Tracker`` built from the stored slots and a
``CollectingDispatcher``, and the ``SlotSet`` events it returns are saved in the
``conversations`` table. Channels call ``handle_message`` and render the returned messages.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation.base import DeskAction
from actions.conversation.cancel import ActionCancelConfirmed, ActionCancelKept, ActionCancelTicket
from actions.conversation.catalogue import ActionBrowseFaq, ActionHelp
from actions.conversation.closing import (
    ActionAnswerSurvey,
    ActionConfirmResolution,
    ActionRejectResolution,
    ActionSurveyComment,
)
from actions.conversation.faq import (
    ActionFaqSolved,
    ActionShowArticle,
    ActionSolvedAlone,
    ActionSuggestFaq,
)
from actions.conversation.language import ActionSwitchLanguage, choose_language
from actions.conversation.newproblem import ActionNewProblem
from actions.conversation.payloads import parse_payload
from actions.conversation.policy import Situation, ThreadTicket, decide
from actions.conversation.security import (
    ActionConfirmSecurity,
    ActionSecurityAsk,
    ActionSecurityIntake,
    ActionSecurityWhich,
)
from actions.conversation.smalltalk import (
    ActionAskDetail,
    ActionDeclineTicket,
    ActionGoodbye,
    ActionGreet,
    ActionNotUnderstood,
    ActionOfferTicket,
    ActionOutOfScope,
    ActionThanks,
)
from actions.conversation.state import ConversationState, load_state, save_state
from actions.conversation.tickets import (
    ActionAddComment,
    ActionHandover,
    ActionOpenTicket,
    ActionTicketStatus,
    thread_ticket,
)
from actions.messages import Messages
from actions.people import set_language
from actions.services import Services
from actions.text import MAX_TEXT
from actions.views import PersonView
from store.lifecycle import Status
from store.uow import UnitOfWork

ACTION_CLASSES: tuple[type[DeskAction], ...] = (
    ActionGreet, ActionThanks, ActionGoodbye, ActionOutOfScope, ActionOfferTicket,
    ActionDeclineTicket, ActionSuggestFaq, ActionShowArticle, ActionFaqSolved, ActionOpenTicket,
    ActionTicketStatus, ActionAddComment, ActionHandover, ActionConfirmResolution,
    ActionRejectResolution, ActionAnswerSurvey, ActionSurveyComment, ActionSecurityIntake,
    ActionCancelTicket, ActionCancelConfirmed, ActionCancelKept, ActionSwitchLanguage,
    ActionNewProblem,
    ActionConfirmSecurity, ActionAskDetail, ActionBrowseFaq, ActionHelp, ActionSolvedAlone,
    ActionSecurityAsk, ActionSecurityWhich, ActionNotUnderstood,
)
#: Longest message the NLU reads; what follows is still kept as the ticket's description.
PARSE_LIMIT = 2000


def understand(services: Services, text: str) -> dict[str, Any] | None:
    """The message's parse: a button's payload, or the NLU's reading of the text (None when
    there is nothing to read: empty or over the length limit). Pure CPU, so channels call it
    before their turn's transaction opens."""
    stripped = text.strip() if isinstance(text, str) else ""
    if not stripped or len(stripped) > MAX_TEXT:
        return None
    parsed = parse_payload(stripped)
    if parsed is not None:
        return {**parsed, "is_payload": True}
    parsed = services.interpreter.parse(stripped[:PARSE_LIMIT])
    parsed["text"] = stripped
    return parsed


def handle_message(services: Services, *, channel: str, ref: str, person_id: int, text: str,
                   messages: Messages, thread_ref: str | None = None,
                   parsed: dict[str, Any] | None = None, fresh: bool = False,
                   ) -> list[dict[str, Any]]:
    """Answer one message: Rasa dispatcher-style ``{"text", "buttons", "custom"?}`` dicts.

    The whole turn is one unit of work (``Services.turn``; inside a channel's turn it joins
    that one). ``parsed`` is ``understand(text)`` when the caller has it already. ``fresh``:
    the message opened conversation ``ref`` itself (``Inbound.starts_thread``), so there is
    no stored state and no ticket in its thread to look up.
    """
    text = text if isinstance(text, str) else ""
    if parsed is None:
        parsed = understand(services, text)
    with services.turn() as uow:
        out = _turn(services, uow, channel=channel, ref=ref, person_id=person_id, text=text,
                    messages=messages, thread_ref=thread_ref, parsed=parsed, fresh=fresh)
        uow.commit()
    return out


def _turn(services: Services, uow: UnitOfWork, *, channel: str, ref: str, person_id: int,
          text: str, messages: Messages, thread_ref: str | None,
          parsed: dict[str, Any] | None, fresh: bool = False) -> list[dict[str, Any]]:
    person = PersonView.of_row(uow.people.row(person_id))  # no entity: none is changed
    state = ConversationState(channel=channel, ref=ref, person_id=person_id) if fresh \
        else load_state(services.uow(), channel=channel, ref=ref, person_id=person_id)
    stored_language = state.slots.get("language") or person.language
    stripped = text.strip()
    if not stripped:
        return [_say(messages, "empty_message", stored_language)]
    if len(stripped) > MAX_TEXT or parsed is None:
        return [_say(messages, "too_long", stored_language, length=len(stripped),
                     limit=MAX_TEXT)]
    parsed = dict(parsed)
    is_payload = bool(parsed.pop("is_payload", False))
    language = stored_language if is_payload else choose_language(stripped, stored_language)
    if language != person.language:
        set_language(services.uow(), person_id=person_id, language=language)
    # A state not stored yet is saved whatever the turn does: no copy to compare with.
    before = copy.deepcopy(state.as_dict()) if state.stored else None
    state.enter_thread(thread_ref)
    state.slots["language"] = language
    intent = str((parsed.get("intent") or {}).get("name") or "nlu_fallback")
    entities = {e.get("entity"): e.get("value") for e in reversed(parsed.get("entities") or [])}
    thread = None if fresh else thread_ticket(services, channel, thread_ref)
    decision = decide(Situation(
        intent=intent, text=stripped, is_payload=is_payload, entities=entities,
        confidence=float((parsed.get("intent") or {}).get("confidence") or 0.0),
        slots=state.slots, resolved_keys=lambda: _resolved(uow, person_id),
        thread=ThreadTicket(
            key=thread.key, status=thread.status,
            is_requester=thread.requester.id == person_id,
            is_party=thread.requester.id == person_id or person.is_staff,
            category=thread.category,
        ) if thread is not None else None,
    ))
    metadata = {"channel": channel, "ref": ref, "thread_ref": thread_ref,
                "person_id": person_id, "language": language, "flavour": messages.flavour}
    out = _run(services, messages, decision.action, state, parsed, metadata,
               target_key=decision.target_key)
    if not state.stored or state.as_dict() != before:
        save_state(services.uow(savepoint=False), state)  # a failure here fails the turn
    return out


def _run(services: Services, messages: Messages, action_name: str, state: ConversationState,
         parsed: dict[str, Any], metadata: dict[str, Any], *, target_key: str | None,
         ) -> list[dict[str, Any]]:
    action = _action_classes()[action_name](services=services, messages=messages)
    tracker = Tracker.from_dict({
        "sender_id": state.ref,
        "slots": {**state.slots, "person_id": metadata["person_id"], "target_key": target_key},
        "latest_message": {**parsed, "metadata": metadata},
        "events": [],
        "latest_action_name": "action_listen",
    })
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker, {})
    state.apply(events or [])
    return [_clean(m) for m in dispatcher.messages]


@cache
def _action_classes() -> dict[str, type[DeskAction]]:
    return {cls().name(): cls for cls in ACTION_CLASSES}


def _clean(message: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"text": message.get("text") or "",
                           "buttons": list(message.get("buttons") or [])}
    if message.get("custom"):
        out["custom"] = message["custom"]
    return out


def _say(messages: Messages, name: str, lang: str, **context: Any) -> dict[str, Any]:
    return {"text": messages.render(f"conversation.{name}", lang, **context), "buttons": []}


def _resolved(uow: UnitOfWork, person_id: int) -> tuple[str, ...]:
    """The person's own tickets waiting for their confirmation, newest first."""
    return tuple(uow.tickets.keys(statuses=[Status.RESOLVED.value], requester_id=person_id))
