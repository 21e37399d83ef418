"""The closure and survey prompts, shared by every channel.

When a technician resolves a ticket, the outbox tells the requester in the ticket's own channel;
that channel renders the notice and appends ``closure_prompt`` (confirm / not fixed). Confirming
leads to ``survey_prompt`` (004 requirement 10). The buttons' payloads come back through
``handle_message``, which runs the matching action.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from actions.conversation.payloads import button
from actions.messages import Messages
from actions.settings import Settings, SurveyQuestion


def _get(ticket: Any, name: str) -> Any:
    return ticket.get(name) if isinstance(ticket, Mapping) else getattr(ticket, name, None)


def closure_prompt(ticket_view: Any, lang: str, messages: Messages) -> list[dict[str, Any]]:
    """"Is it solved?" with confirm / reject buttons.

    ``ticket_view`` is a TicketView or the ``ticket`` dict of an outbox context (``key``,
    ``title``, ``resolution`` ...).
    """
    key = _get(ticket_view, "key")
    ticket = {"key": key, "title": _get(ticket_view, "title") or "",
              "resolution": _get(ticket_view, "resolution") or ""}
    render = messages.render
    return [{
        "text": render("conversation.closure_question", lang, ticket=ticket),
        "buttons": [
            button(render("conversation.confirm_button", lang), "confirm", ticket_key=key),
            button(render("conversation.reject_button", lang), "reject", ticket_key=key),
        ],
        "custom": {"kind": "closure", "ticket_key": key},
    }]


def survey_prompt(ticket_key: str, lang: str, messages: Messages, scale: int = 5, *,
                  question: SurveyQuestion | None = None, settings: Settings | None = None,
                  ) -> list[dict[str, Any]]:
    """The rating question with buttons 1..scale.

    The question's text is config.yml's ``survey.questions`` entry (``question``, or the first
    one of ``settings``); without either, the templates' generic question is asked.
    """
    if question is None and settings is not None and settings.survey_questions:
        question = settings.survey_questions[0]
    if question is not None:
        scale = question.scale
    text = (question.text.get(lang) or next(iter(question.text.values()), None)) if question \
        else None
    extra = {"question_id": question.id} if question is not None else {}
    return [{
        "text": messages.render("conversation.survey_question", lang, key=ticket_key,
                                question=text or "", scale=scale),
        "buttons": [button(str(n), "rate", ticket_key=ticket_key, rating=n, **extra)
                    for n in range(1, scale + 1)],
        "custom": {"kind": "survey", "ticket_key": ticket_key, "scale": scale, **extra},
    }]


def next_question(settings: Settings, answered: Sequence[str]) -> SurveyQuestion | None:
    """The first survey question not answered yet."""
    return next((q for q in settings.survey_questions if q.id not in answered), None)
