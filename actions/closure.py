"""The end of a ticket: the requester confirms (closed) or says it is not fixed (reopened), and
answers the satisfaction survey (004 requirement 10). Only the requester may do these, once.
"""

from __future__ import annotations

from actions.access import require_requester
from actions.common import committed, locked, now
from actions.settings import Settings
from actions.text import clean
from actions.views import TicketView
from actions.work import reopen
from store.errors import Conflict, IllegalTransition, InvalidInput, NotFound
from store.lifecycle import Status, check_transition
from store.models import SurveyAnswer
from store.uow import UnitOfWork


def confirm(uow: UnitOfWork, *, key: str, actor_id: int) -> TicketView:
    """The requester agrees the problem is solved: the ticket closes."""
    with uow:
        ticket, actor = locked(uow, key, actor_id)
        require_requester(actor, ticket, "confirm")
        ticket.status = check_transition(ticket.status, Status.CLOSED, key=ticket.key).value
        at = now()
        ticket.closed_at = at
        uow.events.append(ticket, "closed", actor=actor, at=at,
                          payload={"by": "requester", "status": ticket.status})
        return committed(uow, ticket, at)


def reject(uow: UnitOfWork, *, key: str, actor_id: int, reason: str | None = None) -> TicketView:
    """The requester says it is not fixed: the ticket goes back to work."""
    with uow:
        ticket, actor = locked(uow, key, actor_id)
        require_requester(actor, ticket, "reject")
    return reopen(uow, key=key, actor_id=actor_id, reason=reason)


def answer_survey(
    uow: UnitOfWork,
    settings: Settings,
    *,
    key: str,
    actor_id: int,
    rating: int | None,
    comment: str | None = None,
    question_id: str | None = None,
) -> TicketView:
    """Record the requester's satisfaction answer (rating 1..scale and/or a comment), once."""
    questions = {q.id: q for q in settings.survey_questions}
    if not questions:
        raise NotFound("survey_disabled")
    question = questions.get(question_id or next(iter(questions)))
    if question is None:
        raise NotFound("survey_question_not_found", ref=question_id)
    if rating is not None and not (isinstance(rating, int) and 1 <= rating <= question.scale):
        raise InvalidInput("bad_rating", value=str(rating), scale=question.scale)
    text = clean(comment, field="comment", max_length=2000) if comment else None
    if text and not settings.survey_allow_comment:
        raise InvalidInput("survey_comment_disabled")
    if rating is None and text is None:
        raise InvalidInput("empty_text", field="rating")
    with uow:
        ticket, actor = locked(uow, key, actor_id)
        require_requester(actor, ticket, "survey")
        if ticket.status not in (Status.RESOLVED, Status.CLOSED):
            raise IllegalTransition("survey_not_open", key=ticket.key, current=ticket.status)
        existing = {a.question_id: a for a in uow.surveys.answers(ticket)}
        answer = existing.get(question.id)
        at = now()
        if answer is None:
            answer = uow.surveys.add(SurveyAnswer(
                ticket_id=ticket.id, respondent_id=actor.id, question_id=question.id,
                rating=rating, comment=text, answered_at=at))
        elif rating is None and text and not answer.comment:
            answer.comment = text  # the optional comment after the rating
        else:
            raise Conflict("survey_answered", key=ticket.key)
        uow.events.append(ticket, "survey_answered", actor=actor, at=at, payload={
            "question_id": question.id, "rating": answer.rating, "comment": text})
        return committed(uow, ticket, at)
