"""Security incident intake: a SEC- ticket, then the ISO 27001 questions one at a time.

A confident prediction opens the ticket at once; a less certain one first asks "is this a
security incident?" (``ActionConfirmSecurity``), since a SEC- ticket alerts the security team
and "me sale un mensaje raro" may well be an ordinary fault. The first advice fits the kind of
incident (``security_kinds``). The ticket is opened before any question, so the security team
is alerted even if the person stops answering. Each answer is written to the ticket's ISO 27001
record (an internal event per answer); "skip" moves on. The questions: where it was
discovered, when, what the person did, and how serious it looks.

"Abre un incidente de seguridad" says nothing of what happened, so the desk asks first
(``ActionSecurityAsk``) and opens the ticket about the answer, with advice that fits it. While
the questions are asked, a message that is clearly another, ordinary problem ("además la
impresora no imprime"), or confidently another kind of incident ("me robaron la laptop" while
asked about a phishing mail, maybe long after the question was left unanswered), is not stored
as an answer: the desk asks whether it answers the question or is a new problem
(``ActionSecurityWhich``); a new problem pauses the questions, keeping what was recorded
(``actions/conversation/newproblem.py``), and a new incident opens its own SEC- ticket.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from actions.common import now
from actions.conversation.base import DeskAction, Replies, Turn, slots
from actions.conversation.payloads import button
from actions.conversation.phrases import fold, has_words, says_my_answer, says_skip
from actions.conversation.security_kinds import security_kind
from actions.conversation.tickets import open_from_problem, ticket_facts
from actions.conversation.when import parse_when
from actions.intake import record_security_details

#: (record field, kind) in the order they are asked.
QUESTIONS: tuple[tuple[str, str], ...] = (
    ("discovered_where", "text"),
    ("discovered_at", "when"),
    ("discoverer_action", "text"),
    ("severity", "severity"),
)
SEVERITY_WORDS = {
    "critical": ("critica", "critico", "critical", "muy grave", "gravisimo", "emergencia"),
    "high": ("alta", "alto", "high", "grave", "serious", "severe", "urgente"),
    "medium": ("media", "medio", "medium", "moderada", "moderado", "moderate", "normal"),
    "low": ("baja", "bajo", "low", "leve", "minor", "poca", "poco"),
}


def severity_of(text: str) -> str | None:
    folded = fold(text)
    for level, words in SEVERITY_WORDS.items():  # most severe first: "muy grave" before "grave"
        if any(word in folded for word in words):
            return level
    return None


class ActionSecurityIntake(DeskAction):
    def name(self) -> str:
        return "action_security_intake"

    def act(self, out: Replies, turn: Turn) -> list[dict[str, Any]]:
        key = turn.slots.get("security_key")
        if not key or turn.slots.get("awaiting") != "security":
            return self._open(out, turn)
        step = int(turn.slots.get("security_step") or 0)
        if step >= len(QUESTIONS):
            return self._done(out, key)
        field, kind = QUESTIONS[step]
        held = turn.slots.get("new_text") or {}
        if held and (turn.intent == "security_answer" or says_my_answer(turn.text)):
            turn = replace(turn, text=str(held.get("text") or ""), intent="inform",
                           entities=())  # "it's my answer": the message held while asking
        if not (turn.intent in ("skip",) or says_skip(turn.text)):
            value = self._value(turn, kind)
            if value is None:
                self._ask(out, step, retry=True)
                return []
            record_security_details(self.services.uow(), key=key, actor_id=turn.person.id,
                                    fields={field: value})
        step += 1
        if step >= len(QUESTIONS):
            return [*slots(new_text=None), *self._done(out, key)]
        self._ask(out, step)
        return slots(security_step=step, new_text=None)

    def _open(self, out: Replies, turn: Turn) -> list[dict[str, Any]]:
        problem = turn.slots.get("problem") or {}
        confirming = turn.slots.get("awaiting") == "security_confirm" and turn.intent == "affirm"
        text = str(problem.get("text") or turn.text) \
            if turn.text.startswith("/") or confirming else turn.text
        high = "high" in (turn.entity("urgency"), problem.get("urgency"))
        ticket = open_from_problem(self.services, turn, {"text": text, "kind": "security"},
                                   kind="security", impact="high",
                                   urgency="high" if high else "medium")
        kind = security_kind(text)
        out.say("security_opened", **ticket_facts(self.services, ticket, out.language),
                count=len(QUESTIONS), kind=kind, custom={
                    "kind": "ticket_opened", "ticket_key": ticket.key, "category": "security",
                    "priority": ticket.priority, "team": ticket.team, "status": ticket.status,
                    "security_kind": kind})
        self._ask(out, 0)
        return slots(security_key=ticket.key, security_step=0, awaiting="security",
                     security_kind=kind, ticket_key=ticket.key, problem=None, suggestions=[])

    def _ask(self, out: Replies, step: int, *, retry: bool = False) -> None:
        field, kind = QUESTIONS[step]
        buttons = []
        if kind == "severity":
            buttons = [button(out.text("severity_label", level=level), "inform", severity=level)
                       for level in ("low", "medium", "high", "critical")]
        buttons.append(button(out.text("skip_button"), "skip"))
        out.say("security_question", field=field, number=step + 1, count=len(QUESTIONS),
                retry=retry, buttons=buttons,
                custom={"kind": "security_question", "field": field})

    def _value(self, turn: Turn, kind: str) -> Any:
        if turn.intent == "security_answer":
            return None  # the held message is gone (answered meanwhile): ask again
        if kind == "severity":
            level = turn.entity("severity")
            return level if level in SEVERITY_WORDS else severity_of(turn.text)
        if turn.text.startswith("/") or not has_words(turn.text):
            return None
        if kind == "when":
            return parse_when(turn.text, tz=turn.person.timezone, now=now(),
                              language=turn.language)
        return turn.text

    def _done(self, out: Replies, key: str) -> list[dict[str, Any]]:
        out.say("security_done", key=key, custom={"kind": "security_done", "ticket_key": key})
        return slots(security_key=None, security_step=0, security_kind=None, awaiting=None)


class ActionConfirmSecurity(DeskAction):
    """"Is this a security incident?" before a SEC- ticket the NLU is not sure about."""

    def name(self) -> str:
        return "action_confirm_security"

    def act(self, out: Replies, turn: Turn) -> list[dict[str, Any]]:
        out.say("security_confirm", buttons=[
            button(out.text("security_yes_button"), "affirm"),
            button(out.text("security_no_button"), "deny"),
        ], custom={"kind": "security_confirm"})
        problem = {"text": turn.text, "kind": "incident", "category": None,
                   "urgency": turn.entity("urgency"), "impact": turn.entity("impact")}
        return slots(problem=problem, suggestions=[], deflected=[], awaiting="security_confirm")


class ActionSecurityAsk(DeskAction):
    """"Abre un incidente de seguridad": what happened? The answer opens the SEC- ticket, so
    its advice fits the case instead of the generic "don't switch the computer off"."""

    def name(self) -> str:
        return "action_security_ask"

    def act(self, out: Replies, turn: Turn) -> list[dict[str, Any]]:
        out.say("security_ask", custom={"kind": "security_ask"})
        return slots(awaiting="security_description", problem=None, suggestions=[],
                     deflected=[])


class ActionSecurityWhich(DeskAction):
    """A message during the security questions that reads like another problem: is it the
    answer, or something new? The message is held in ``new_text`` until the person says;
    "it's my answer" (``/security_answer``) records it, "another problem" (``/new_problem``)
    pauses the questions."""

    def name(self) -> str:
        return "action_security_which"

    def act(self, out: Replies, turn: Turn) -> list[dict[str, Any]]:
        key = str(turn.slots.get("security_key") or "")
        step = int(turn.slots.get("security_step") or 0)
        out.say("security_which", key=key, number=step + 1, count=len(QUESTIONS), buttons=[
            button(out.text("security_answer_button"), "security_answer"),
            button(out.text("security_other_button"), "new_problem"),
        ], custom={"kind": "security_which", "ticket_key": key})
        return slots(new_text={"text": turn.text, "intent": turn.intent,
                               "entities": list(turn.entities)})
