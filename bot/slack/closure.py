"""The end of a ticket in Slack: the confirm / not-solved prompt, then rating, then a comment.

The prompts' wording and button payloads come from the conversation (``closure_prompt``,
``survey_prompt``), so Slack, console and email ask the same thing. Here they become blocks, and
each answer edits the message it came from: the buttons go away and a thank-you takes their
place, so nobody can answer twice from an old message.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block

from actions import closure
from actions.common import view
from actions.services import Services
from actions.views import TicketView
from bot.blocks import button, sections
from bot.blocks.conversation import turn_messages
from bot.ids import ActionId
from bot.slack.text import labels, say


def _ticket_view(services: Services, key: str) -> TicketView:
    with services.uow() as uow:
        return view(uow, uow.tickets.get(key))


def _scale(services: Services) -> int:
    questions = services.settings.survey_questions
    return questions[0].scale if questions else 5


def closure_blocks(services: Services, key: str, lang: str) -> list[Block]:
    """Confirm / not solved buttons for the "resolved" notice in the requester's thread."""
    from actions.conversation import closure_prompt

    replies = closure_prompt(_ticket_view(services, key), lang, services.messages)
    return [block for _, blocks in turn_messages(replies) for block in blocks]


def survey_blocks(services: Services, key: str, lang: str) -> list[Block]:
    """The rating buttons (empty when the survey is turned off)."""
    if not services.settings.survey_questions:
        return []
    from actions.conversation import survey_prompt

    replies = survey_prompt(key, lang, services.messages, _scale(services),
                            settings=services.settings)
    return [block for _, blocks in turn_messages(replies) for block in blocks]


def confirm(services: Services, *, key: str, person_id: int, lang: str) -> list[Block]:
    """Close the ticket; the message becomes a thank-you and the rating question."""
    ticket = closure.confirm(services.uow(), key=key, actor_id=person_id,
                             settings=services.settings)
    survey = survey_blocks(services, ticket.key, lang) if ticket.extra.get("survey") else []
    return [*sections(say(services, "confirmed", lang, key=ticket.key)), *survey]


def reject(services: Services, *, key: str, person_id: int, lang: str) -> list[Block]:
    ticket = closure.reject(services.uow(), key=key, actor_id=person_id)
    return list(sections(say(services, "rejected", lang, key=ticket.key)))


def rate(services: Services, *, key: str, person_id: int, rating: Any, lang: str,
         question_id: str | None = None) -> list[Block]:
    """Record the rating; the message offers the optional comment next."""
    value = int(rating) if str(rating).isdigit() else rating
    ticket = closure.answer_survey(services.uow(), services.settings, key=key,
                                   actor_id=person_id, rating=value, question_id=question_id)
    text = say(services, "rated", lang, key=ticket.key, rating=value, scale=_scale(services))
    if ticket.extra.get("low_score"):  # the one follow-up question, read by the team lead
        text = services.messages.render("conversation.survey_followup", lang, key=ticket.key)
    blocks: list[Block] = list(sections(text))
    if services.settings.survey_allow_comment:
        label = labels(services, lang)
        blocks.append(ActionsBlock(elements=[
            button(label("comment_button"), ActionId.SURVEY_COMMENT, ticket.key)]))
    return blocks


def comment(services: Services, *, key: str, person_id: int, text: str, lang: str,
            ) -> list[Block]:
    ticket = closure.answer_survey(services.uow(), services.settings, key=key,
                                   actor_id=person_id, rating=None, comment=text)
    return list(sections(say(services, "commented", lang, key=ticket.key)))


def requester_of(services: Services, key: str) -> int | None:
    with services.uow() as uow:
        return uow.tickets.get(key).requester_id
