"""The end of the journey in the conversation: confirm or reopen, then the survey.

``/confirm`` closes the ticket and asks the first survey question; each ``/rate`` records one
answer and asks the next; after the last one the optional comment is invited (``awaiting =
survey_comment``) and the next message, or ``/skip_comment``, ends with thanks.
"""

from __future__ import annotations

from typing import Any

from actions import closure, queries
from actions.conversation.base import DeskAction, Replies, Turn, slots
from actions.conversation.payloads import button
from actions.conversation.prompts import next_question, survey_prompt
from actions.conversation.tickets import target_key
from actions.services import Services
from actions.views import TicketView
from store.errors import IllegalTransition, InvalidInput
from store.lifecycle import Status


def _answered(ticket: TicketView) -> list[str]:
    return [a.question_id for a in ticket.survey if a.rating is not None]


def ask_survey(services: Services, out: Replies, ticket: TicketView) -> list[dict[str, Any]]:
    """The next unanswered question, or the comment invitation (after a low score, the one
    follow-up question whose answer reaches the team lead), or thanks."""
    settings = services.settings
    question = next_question(settings, _answered(ticket))
    if question is not None:
        out.add(survey_prompt(ticket.key, out.language, out.messages, question=question))
        return slots(survey_key=ticket.key, awaiting=None)
    if settings.survey_allow_comment and not any(a.comment for a in ticket.survey):
        low = bool(ticket.extra.get("low_score"))
        out.say("survey_followup" if low else "survey_comment_prompt", key=ticket.key,
                buttons=[button(out.text("skip_button"), "skip_comment", ticket_key=ticket.key)],
                custom={"kind": "survey_comment", "ticket_key": ticket.key})
        return slots(survey_key=ticket.key, awaiting="survey_comment")
    out.say("survey_thanks", key=ticket.key, custom={"kind": "survey_done",
                                                       "ticket_key": ticket.key})
    return slots(survey_key=None, awaiting=None)


def _key_or_refuse(services: Services, turn: Turn) -> str:
    key = target_key(services, turn)
    if not key:
        raise InvalidInput("command_usage", command="confirm")
    return key


class ActionConfirmResolution(DeskAction):
    def name(self) -> str:
        return "action_confirm_resolution"

    def act(self, out: Replies, turn: Turn) -> list[dict[str, Any]]:
        key = _key_or_refuse(self.services, turn)
        try:
            ticket = closure.confirm(self.services.uow(), key=key, actor_id=turn.person.id,
                                     settings=self.services.settings)
            out.say("confirmed", ticket=ticket, custom={"kind": "closed",
                                                         "ticket_key": ticket.key})
        except IllegalTransition:
            ticket = queries.show_ticket(self.services.uow(), key=key, actor_id=turn.person.id)
            if ticket.status != Status.CLOSED or ticket.requester.id != turn.person.id:
                raise
            out.say("already_closed", ticket=ticket)
            return slots(survey_key=None, awaiting=None)
        if not ticket.extra.get("survey"):  # not sampled, or asked recently enough
            return slots(survey_key=None, awaiting=None)
        return ask_survey(self.services, out, ticket)


class ActionRejectResolution(DeskAction):
    """"Not fixed": the ticket goes back to work with the person's words as the reason."""

    def name(self) -> str:
        return "action_reject_resolution"

    def act(self, out: Replies, turn: Turn) -> list[dict[str, Any]]:
        key = target_key(self.services, turn)
        if not key:
            out.say("nothing_to_reopen")
            return []
        reason = None if turn.text.startswith("/") else turn.text
        ticket = closure.reject(self.services.uow(), key=key, actor_id=turn.person.id,
                                reason=reason)
        out.say("reopened", ticket=ticket, custom={"kind": "reopened", "ticket_key": ticket.key,
                                                    "status": ticket.status})
        return slots(ticket_key=ticket.key, survey_key=None, awaiting=None)


class ActionAnswerSurvey(DeskAction):
    def name(self) -> str:
        return "action_answer_survey"

    def act(self, out: Replies, turn: Turn) -> list[dict[str, Any]]:
        key = _key_or_refuse(self.services, turn)
        rating = turn.entity("rating")
        try:
            rating = int(rating)
        except (TypeError, ValueError):
            raise InvalidInput("bad_rating", value=str(rating)[:20], scale=5) from None
        ticket = closure.answer_survey(
            self.services.uow(), self.services.settings, key=key, actor_id=turn.person.id,
            rating=rating, question_id=turn.entity("question_id"))
        return ask_survey(self.services, out, ticket)


class ActionSurveyComment(DeskAction):
    """The optional survey comment (any text), or ``/skip_comment``."""

    def name(self) -> str:
        return "action_survey_comment"

    def act(self, out: Replies, turn: Turn) -> list[dict[str, Any]]:
        key = turn.entity("ticket_key") or turn.slots.get("survey_key")
        if not key:
            out.say("help", name=turn.person.name)
            return slots(awaiting=None)
        if turn.intent != "skip_comment":
            closure.answer_survey(self.services.uow(), self.services.settings, key=str(key),
                                  actor_id=turn.person.id, rating=None, comment=turn.text)
        else:
            closure.skip_comment(self.services.uow(), key=str(key), actor_id=turn.person.id)
        out.say("survey_thanks", key=key, custom={"kind": "survey_done", "ticket_key": key})
        return slots(survey_key=None, awaiting=None)
