"""The end of a ticket: the requester confirms (closed) or says it is not fixed (reopened), and
answers the satisfaction survey (004 requirement 10). Only the requester may do these, once.

Surveys people answer (GLPI's controls, and more): only a share of closed tickets is surveyed
(``survey.sample_rate``), nobody is asked twice within ``survey.min_days_between`` days, and a
survey stops taking answers after ``survey.expire_days``. The decision is taken once per ticket,
by whichever comes first (the confirmation or the reminder), and recorded as an internal
``survey_asked`` event. A score at or below ``survey.alert_below`` becomes a ``survey_alert``
for the team's leads, and the requester is asked one follow-up question instead of the generic
comment invitation.
"""

from __future__ import annotations

import zlib
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import select

from actions.access import require_requester
from actions.common import committed, loaded, locked, now
from actions.notify import release_held
from actions.settings import Settings
from actions.text import clean
from actions.views import TicketView
from actions.work import reopen
from store.errors import Conflict, IllegalTransition, InvalidInput, NotFound
from store.lifecycle import Status
from store.models import Event, SurveyAnswer, Ticket
from store.uow import UnitOfWork

SURVEY_ASKED = "survey_asked"


def asked_at(uow: UnitOfWork, ticket: Ticket) -> datetime | None:
    """When this ticket's survey was offered, if it was."""
    return uow.session.scalar(select(Event.at).where(
        Event.ticket_id == ticket.id, Event.type == SURVEY_ASKED).order_by(Event.seq).limit(1))


def _sampled(settings: Settings, ticket: Ticket) -> bool:
    """The same ticket always gets the same answer (a stable hash of its key), so a retried
    confirmation or a second process never flips the decision."""
    rate = settings.survey.sample_rate
    return rate >= 1 or (rate > 0 and zlib.crc32(ticket.key.encode()) % 10_000 < rate * 10_000)


def _surveyed_recently(uow: UnitOfWork, settings: Settings, ticket: Ticket,
                       at: datetime) -> bool:
    days = settings.survey.min_days_between
    if days <= 0:
        return False
    return uow.session.scalar(
        select(Event.id).join(Ticket, Ticket.id == Event.ticket_id).where(
            Ticket.requester_id == ticket.requester_id, Ticket.id != ticket.id,
            Event.type == SURVEY_ASKED, Event.at >= at - timedelta(days=days)).limit(1)
    ) is not None


def expired(settings: Settings, since: datetime | None, at: datetime) -> bool:
    return since is not None and at > since + timedelta(days=settings.survey.expire_days)


def offer_survey(uow: UnitOfWork, settings: Settings, ticket: Ticket, at: datetime) -> bool:
    """Inside an open unit of work: may this ticket's requester be asked now? Decided once."""
    if not settings.survey_questions:
        return False
    already = asked_at(uow, ticket)
    if already is not None:
        return not expired(settings, already, at) and not uow.surveys.answers(ticket)
    if uow.surveys.answers(ticket) or not _sampled(settings, ticket) \
            or _surveyed_recently(uow, settings, ticket, at):
        return False
    uow.events.append(ticket, SURVEY_ASKED, actor=None, at=at, visibility="internal",
                      payload={"sample_rate": settings.survey.sample_rate})
    return True


def confirm(uow: UnitOfWork, *, key: str, actor_id: int,
            settings: Settings | None = None) -> TicketView:
    """The requester agrees the problem is solved: the ticket closes. With ``settings`` the
    survey decision is taken in the same transaction: ``extra["survey"]`` says whether to ask."""
    with uow:
        ticket, actor = loaded(uow, key, actor_id)
        at = now()
        row = uow.tickets.save(ticket, ticket.close(actor, at=at), uow.events)
        survey = offer_survey(uow, settings, row, at) if settings is not None else True
        return replace(committed(uow, row, at), extra={"survey": survey})


def reject(uow: UnitOfWork, *, key: str, actor_id: int, reason: str | None = None) -> TicketView:
    """The requester says it is not fixed: the ticket goes back to work."""
    with uow:
        ticket, actor = loaded(uow, key, actor_id)
        ticket.check_requester(actor, "reject")
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
        if expired(settings, asked_at(uow, ticket) or ticket.closed_at or ticket.resolved_at,
                   at):
            raise Conflict("survey_expired", key=ticket.key)
        completes = answer is not None
        if answer is None:
            answer = uow.surveys.add(SurveyAnswer(
                ticket_id=ticket.id, respondent_id=actor.id, question_id=question.id,
                rating=rating, comment=text, answered_at=at))
        elif rating is None and text and not answer.comment:
            answer.comment = text  # the optional comment after the rating
        else:
            raise Conflict("survey_answered", key=ticket.key)
        last = question.id == settings.survey_questions[-1].id
        invited = not completes and text is None and last and settings.survey_allow_comment
        payload = {"question_id": question.id, "rating": answer.rating, "comment": text,
                   "scale": question.scale}
        if invited:
            payload["comment_invited"] = True  # the notice waits for the comment
        if completes:
            payload["completes"] = True  # supersedes the rating's held notice
        uow.events.append(ticket, "survey_answered", actor=actor, at=at, payload=payload)
        if answer.rating is not None and answer.rating <= settings.survey.alert_below:
            uow.events.append(ticket, "survey_alert", actor=actor, at=at,
                              visibility="internal", payload=payload)
        view = committed(uow, ticket, at)
        low = answer.rating is not None and answer.rating <= settings.survey.alert_below
        return replace(view, extra={"low_score": low, "comment_invited": invited})


def skip_comment(uow: UnitOfWork, *, key: str, actor_id: int) -> None:
    """No comment after the rating: what was held for it is announced now."""
    with uow:
        ticket, actor = locked(uow, key, actor_id)
        require_requester(actor, ticket, "survey")
        release_held(uow, ticket.id, now())
        uow.commit()
