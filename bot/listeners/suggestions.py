"""The options of a searching select (``block_suggestion``): the article that answers a ticket,
the technician to transfer it to and the saved reply to send, when there are more than one
select holds (``bot.blocks.modals.searching``).

Slack asks on every keystroke and waits at most 3 seconds for the answer, which is the options
themselves: the door answers these at once and does not store them (``bot.slack.intake``), and
nothing here writes (the person is looked up, never registered). What cannot be answered (a
stale or forged form, an unknown ticket, someone who is not staff, a select this desk does not
search) gets an empty list: the menu shows nothing to choose, and no one is sent a message for a
keystroke. The submission then reads the chosen option like a static select's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext

from actions.article_link import find_articles
from actions.choices import typed_words
from actions.people import find_staff
from actions.replies import find_replies
from actions.services import Services
from actions.views import PersonView
from bot.blocks.modals import _options, technician_options
from bot.blocks.tech_modals import article_groups, reply_options
from bot.ids import BlockId, CallbackId
from bot.listeners import services_of, view_metadata
from bot.listeners.kb_article import shown
from bot.slack.text import labels
from bot.slack.users import known_person
from store.errors import DeskError

#: What is typed is a few words; longer text is cut before it is searched.
TYPED = 200

#: An answer is what ``ack`` is given: ``options`` (Option) or ``option_groups`` (OptionGroup).
Answer = Callable[[Services, PersonView, str, str], dict[str, Any]]


def _articles(services: Services, person: PersonView, key: str, typed: str,
              ) -> dict[str, Any]:
    found = find_articles(services, key=key, actor_id=person.id, typed=typed)
    return {"option_groups": article_groups(labels(services, person.language),
                                            [(c.id, shown(c)) for c in found.suggested],
                                            [(c.id, shown(c)) for c in found.others],
                                            typed=bool(typed_words(typed)))}


def _technicians(services: Services, person: PersonView, key: str, typed: str,
                 ) -> dict[str, Any]:
    staff = find_staff(services.uow(), actor_id=person.id, typed=typed)
    return {"options": _options(technician_options(staff))}


def _replies(services: Services, person: PersonView, key: str, typed: str,
             ) -> dict[str, Any]:
    found = find_replies(services.uow, services.settings, key=key, actor_id=person.id,
                         typed=typed)
    return {"options": _options(reply_options([(r.id, r.title, r.language) for r in found]))}


#: The searching selects: (form, input) -> what answers them.
ANSWERS: dict[tuple[str, str], Answer] = {
    (CallbackId.ARTICLE_FORM.value, BlockId.ARTICLE.value): _articles,
    (CallbackId.TRANSFER_FORM.value, BlockId.PERSON.value): _technicians,
    (CallbackId.REPLY_FORM.value, BlockId.SAVED_REPLY.value): _replies,
}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def on_suggestion(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    view, user = _dict(body.get("view")), _dict(body.get("user"))
    answer = ANSWERS.get((_text(view.get("callback_id")), _text(body.get("block_id"))))
    slack_id = _text(user.get("id"))
    person = known_person(services, slack_id) if answer and slack_id else None
    if answer is None or person is None:
        ack(options=[])
        return
    context["person"] = person
    key = _text(view_metadata(view).get("key"))
    try:
        found = answer(services, person, key, _text(body.get("value"))[:TYPED])
    except DeskError:  # not staff, an unknown or closed ticket: nothing to choose
        ack(options=[])
        return
    ack(**found)


def register(app: App) -> None:
    """Every select's suggestions come here (the searching ones all name their input
    ``value``); which list answers is told by the form and the input."""
    app.options(re.compile(".*"))(on_suggestion)
