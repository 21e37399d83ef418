"""The dialogue policy: which action answers this message, given the conversation's state.

Small and explicit on purpose. Rules are tried in order: button payloads first (they say
exactly what the person chose), then a question the bot is waiting on (security questions,
survey comment, the description of a ticket to open), then the ticket whose thread this is (a
message there is a comment, "still broken" reopens), and finally the intent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from actions.conversation.cancel import says_cancel
from actions.conversation.language import asked_language
from actions.conversation.newproblem import PROBLEM_INTENTS, looks_new
from actions.conversation.phrases import (
    asks_for_security_incident,
    asks_for_ticket,
    asks_help,
    has_words,
    has_yes_no_word,
    looks_like_noise,
    names_nothing,
    names_ticket,
    ordinal,
    says_fixed,
    says_none,
    says_not_fixed,
    says_other_problem,
    says_trouble,
    word_count,
)
from actions.conversation.security_kinds import GENERIC, security_kind

PAYLOAD_ACTIONS = {
    "faq_solved": "action_faq_solved",
    "faq_show": "action_show_article",
    "open_ticket": "action_open_ticket",
    "confirm": "action_confirm_resolution",
    "reject": "action_reject_resolution",
    "rate": "action_answer_survey",
    "skip_comment": "action_survey_comment",
    "help": "action_out_of_scope",
    "cancel_ticket": "action_cancel_ticket",
    "cancel_confirm": "action_cancel_confirmed",
    "cancel_keep": "action_cancel_kept",
    "new_problem": "action_new_problem",
    "same_ticket": "action_new_problem",
    "solved_alone": "action_solved_alone",
    "security_answer": "action_security_intake",
}
INTENT_ACTIONS = {
    "greet": "action_greet",
    "thanks": "action_thanks",
    "goodbye": "action_goodbye",
    "ask_howto": "action_suggest_faq",
    "report_problem": "action_suggest_faq",
    "request_service": "action_suggest_faq",
    "ask_status": "action_ticket_status",
    "security_incident": "action_security_intake",
    "talk_to_human": "action_handover",
    "out_of_scope": "action_out_of_scope",
    "ask_faq": "action_browse_faq",
}
SMALLTALK = ("greet", "thanks", "goodbye")
#: Questions asked on the way to a ticket that does not exist yet: "never mind" there withdraws
#: the request, it does not look for a ticket to cancel.
NOTHING_OPEN_YET = ("description", "open_confirm", "handover", "detail", "security_description")
YES_NO = ("affirm", "deny")
#: Intents whose message is complete even when it names no thing ("ok thanks", "my tickets").
#: Anything else that only says something is wrong ("no funciona", read as a "no" by the model,
#: or "hola, tengo un problema", read as a greeting) gets "what isn't working?".
COMPLETE_INTENTS = ("affirm", "thanks", "goodbye", "ask_status", "talk_to_human", "ask_faq")
#: A typed yes or no answers the bot's question only when the model is this sure or the message
#: holds a plain yes/no word: "exit" or "salir", read as a weak "yes", must not close a problem.
YES_NO_CONFIDENCE = 0.8
SHORT = 4  # words: "gracias!", "ok thanks a lot" are not comments on the ticket
#: A security incident opens a SEC- ticket at once, so it needs a confident prediction; below
#: this the desk first asks "is this a security incident?" (yes opens it, no searches articles).
SECURITY_CONFIDENCE = 0.85
#: Inside a ticket's thread people describe what they tried ("ya cerré sesión y volví a entrar"),
#: which reads like account trouble: a new SEC- ticket there needs a near-certain prediction,
#: anything less is a comment the assigned technician reads anyway.
THREAD_SECURITY_CONFIDENCE = 0.95
#: An answer to a security question (or to "what happened?") is taken for a different problem
#: only when the model is this sure it reports an ordinary fault, it names what fails and says
#: that it fails, and nothing in it is what a security incident is made of. Answers such as
#: "in my Outlook inbox" or "desconecté la laptop de la red" read as problem reports to the
#: model, but say nothing fails: they are what the record needs.
OTHER_PROBLEM_CONFIDENCE = 0.9
OTHER_PROBLEM_WORDS = 3


@dataclass(frozen=True)
class ThreadTicket:
    """The ticket of the thread the message was written in, as the policy needs it."""

    key: str
    status: str
    is_requester: bool
    is_party: bool
    category: str | None = None


def _none_resolved() -> tuple[str, ...]:
    return ()


@dataclass(frozen=True)
class Situation:
    intent: str
    text: str
    confidence: float
    is_payload: bool
    entities: dict[str, Any]
    slots: dict[str, Any]
    thread: ThreadTicket | None = None
    #: The person's tickets waiting for their confirmation, read only when a rule needs them
    #: ("still broken" outside a thread): most turns never ask.
    resolved_keys: Callable[[], tuple[str, ...]] = _none_resolved

    @cached_property
    def resolved(self) -> tuple[str, ...]:
        return tuple(self.resolved_keys())


@dataclass(frozen=True)
class Decision:
    action: str
    target_key: str | None = None  # the ticket the action is about, when the policy knows it


def yes_or_no(s: Situation) -> str | None:
    """"affirm" or "deny" when the message really answers yes or no, else None."""
    if s.intent not in YES_NO:
        return None
    if s.is_payload or s.confidence >= YES_NO_CONFIDENCE or has_yes_no_word(s.text):
        return s.intent
    return None


def other_problem(s: Situation) -> bool:
    """During a security report, a message that is clearly another, ordinary problem ("además
    la impresora no imprime") rather than an answer about the incident."""
    category = s.entities.get("category")
    return (not s.is_payload and s.intent in PROBLEM_INTENTS
            and s.confidence >= OTHER_PROBLEM_CONFIDENCE
            and word_count(s.text) >= OTHER_PROBLEM_WORDS
            and category not in (None, "security", "other")
            and says_trouble(s.text) and security_kind(s.text) == GENERIC)


def new_incident(s: Situation) -> bool:
    """During a security report's questions, a message that confidently reports another kind
    of incident ("me robaron la laptop" while the questions are about a phishing mail): the
    open question may have been left unanswered long ago (the person went away, someone else
    used the console), so it is not simply taken as the answer. Answers often sound like
    incidents too ("cambié la contraseña porque alguien entró a mi cuenta"), so the person is
    asked which it is, never told."""
    kind = security_kind(s.text)
    return (not s.is_payload and s.intent == "security_incident"
            and s.confidence >= THREAD_SECURITY_CONFIDENCE
            and kind != GENERIC and kind != s.slots.get("security_kind"))


def decide(s: Situation) -> Decision:
    awaiting = s.slots.get("awaiting")
    answer = yes_or_no(s)
    if s.is_payload:
        if s.intent in PAYLOAD_ACTIONS:
            return Decision(PAYLOAD_ACTIONS[s.intent])
        if s.intent in ("skip", "inform"):
            return Decision("action_security_intake" if awaiting == "security"
                            else "action_out_of_scope")
        if s.intent == "deny" and awaiting == "open_confirm":
            return Decision("action_decline_ticket")
    else:
        if awaiting == "security":
            if s.slots.get("new_text") and says_other_problem(s.text):
                return Decision("action_new_problem")  # typed "es otro problema"
            if other_problem(s) or new_incident(s):
                return Decision("action_security_which")  # an answer, or another problem?
            return Decision("action_security_intake")
        # The requester in control (actions/conversation/cancel.py, language.py).
        if awaiting == "cancel_confirm" and answer and word_count(s.text) <= SHORT:
            return Decision("action_cancel_confirmed" if answer == "affirm"
                            else "action_cancel_kept")
        if says_cancel(s.text) and awaiting in NOTHING_OPEN_YET and s.thread is None \
                and not names_ticket(s.text):
            return Decision("action_decline_ticket")  # "olvídalo" before any ticket exists
        if says_cancel(s.text) and not (s.thread and s.thread.status == "resolved"):
            return Decision("action_cancel_ticket", s.thread.key if s.thread else None)
        if asked_language(s.text):
            return Decision("action_switch_language")
        # A technician's question waits in a pending ticket's thread: whatever the requester
        # writes there is the answer (``_in_thread``), even a bare "ayuda".
        answering = s.thread is not None and s.thread.is_party and s.thread.status == "pending"
        if asks_help(s.text) and not answering:
            return Decision("action_help")  # "help" and "ayuda" alike: what I do, then the FAQ
        if looks_like_noise(s.text) and awaiting != "survey_comment" and not answering:
            return Decision("action_not_understood")  # "asdfgh", "jajaja": not out of scope
        if asks_for_security_incident(s.text):
            return Decision("action_security_ask")  # "abre un incidente de seguridad": what?
        if awaiting == "security_description" and has_words(s.text) \
                and s.intent not in SMALLTALK + YES_NO and not names_nothing(s.text):
            # what happened, in answer to "what happened?": a SEC- ticket about it, unless it
            # clearly is an ordinary fault (then "is this a security incident?" first)
            return Decision("action_confirm_security" if other_problem(s)
                            else "action_security_intake")
        if awaiting == "survey_comment" and has_words(s.text):
            return Decision("action_survey_comment")
        if awaiting == "description" and has_words(s.text) and s.intent not in SMALLTALK \
                and not names_nothing(s.text):  # "no funciona" is no description: ask what
            return Decision("action_open_ticket")
        answers = has_words(s.text) and s.intent not in SMALLTALK + YES_NO \
            and not names_nothing(s.text)
        if awaiting == "handover" and answers:
            return Decision("action_handover")  # what the person wants a technician for
        if awaiting == "detail" and answers and s.intent not in ("ask_status", "ask_faq"):
            return Decision("action_suggest_faq")  # what "no funciona" was about
    if s.thread is not None and s.thread.is_party and not s.is_payload:
        decision = _in_thread(s, s.thread)
        if decision is not None:
            return decision
    if not s.is_payload and says_not_fixed(s.text):
        key = _resolved_target(s)
        if key:
            return Decision("action_reject_resolution", key)
    if awaiting == "security_confirm" and answer:
        return Decision("action_security_intake" if answer == "affirm"
                        else "action_suggest_faq")
    if awaiting == "open_confirm" and answer:
        return Decision("action_open_ticket" if answer == "affirm" else "action_decline_ticket")
    if awaiting == "faq_which" and not s.is_payload:  # "which article helped?"
        if ordinal(s.text) is not None:
            return Decision("action_faq_solved")  # "2", "la segunda", "the first one"
        if says_none(s.text) or says_fixed(s.text) or answer == "affirm":
            return Decision("action_solved_alone")  # none named: credit none
        if answer == "deny":
            return Decision("action_offer_ticket")
    if awaiting == "faq" and not s.is_payload and says_fixed(s.text):
        return Decision("action_faq_solved")  # "ya funciona", "gracias, funcionó"
    if awaiting == "faq" and answer:
        return Decision("action_faq_solved" if answer == "affirm" else "action_offer_ticket")
    if not s.is_payload and asks_for_ticket(s.text):
        return Decision("action_open_ticket")  # about the current problem, else "what is it?"
    if not has_words(s.text):
        return Decision("action_out_of_scope")
    if not s.is_payload and s.intent not in COMPLETE_INTENTS and names_nothing(s.text):
        return Decision("action_ask_detail")
    if s.intent == "security_incident" and not s.is_payload \
            and s.confidence < SECURITY_CONFIDENCE:
        return Decision("action_confirm_security")
    if s.intent in INTENT_ACTIONS:
        return Decision(INTENT_ACTIONS[s.intent])
    if s.intent == "nlu_fallback" and word_count(s.text) >= 3:
        return Decision("action_suggest_faq")  # an unclear sentence may still match an article
    return Decision("action_out_of_scope")


def _in_thread(s: Situation, thread: ThreadTicket) -> Decision | None:
    """A message in a ticket's thread: a comment, unless it clearly is something else."""
    short_smalltalk = s.intent in SMALLTALK and word_count(s.text) <= SHORT
    if thread.status == "pending":
        return Decision("action_add_comment", thread.key)  # the answer to the question asked
    if thread.status in ("new", "open", "in_progress"):
        if s.slots.get("awaiting") in ("faq", "faq_which") \
                and (says_fixed(s.text) or yes_or_no(s)):
            return None  # answers the articles just shown for another problem, not the ticket
        if s.intent == "talk_to_human":
            return Decision("action_handover", thread.key)
        if s.intent == "ask_status" and s.entities.get("ticket_key") in (None, thread.key):
            return Decision("action_ticket_status", thread.key)
        if s.intent == "security_incident" and s.confidence >= THREAD_SECURITY_CONFIDENCE:
            return None  # a new security incident is never buried in a comment
        if thread.is_requester and says_fixed(s.text) and not says_not_fixed(s.text):
            return Decision("action_cancel_ticket", thread.key)  # "ya quedó": still needed?
        if short_smalltalk or not has_words(s.text):
            return None
        if thread.is_requester and looks_new(s.intent, s.confidence, s.text,
                                             s.entities.get("category"), thread.category):
            return Decision("action_new_problem", thread.key)  # actions/conversation/newproblem
        return Decision("action_add_comment", thread.key)
    if thread.status == "resolved" and thread.is_requester:
        answer = yes_or_no(s)
        if says_not_fixed(s.text) or answer == "deny":
            return Decision("action_reject_resolution", thread.key)
        if (answer == "affirm" and word_count(s.text) <= SHORT) or says_fixed(s.text):
            return Decision("action_confirm_resolution", thread.key)
        if short_smalltalk or not has_words(s.text):
            return None
        return Decision("action_add_comment", thread.key)
    return None


def _resolved_target(s: Situation) -> str | None:
    """Which resolved ticket "still broken" is about, when that is unambiguous."""
    named = s.entities.get("ticket_key")
    if named and named in s.resolved:
        return str(named)
    last = s.slots.get("ticket_key")
    if last in s.resolved:
        return str(last)
    return s.resolved[0] if len(s.resolved) == 1 else None
