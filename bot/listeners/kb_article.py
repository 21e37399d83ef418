"""The triage card's "an article answers it": a form to say which knowledge-base article answers
a ticket, and its submission.

The button opens the form with the ticket's best suggestions first and every other article
after them (``actions.article_link.article_choices``); a knowledge base larger than a select
holds is searched as the technician types instead (``bot.listeners.suggestions``); refusals
(not staff, a closed or unknown ticket) reach the technician as a private message from the
error handler, before any form opens.
The submission records the article, the requester's message learned for it and an internal
event, in one unit of work, and answers the technician privately where the card is.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from actions.article_link import ArticleChoice, article_choices, link_article
from actions.services import Services
from bot.blocks.modals import submitted
from bot.blocks.tech_modals import article_form
from bot.ids import ActionId, BlockId, CallbackId
from bot.listeners import one_turn, person_of, services_of, view_metadata
from bot.slack import outgoing
from bot.slack.text import labels, say
from store.errors import DeskError


def shown(choice: ArticleChoice) -> str:
    score = f", {choice.score:.0f}" if choice.score is not None else ""
    return f"{choice.title} ({choice.language}{score})"


def _channel(body: dict[str, Any]) -> str | None:
    return (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id")


def on_card_article(ack: Ack, body: dict[str, Any], action: dict[str, Any],
                    context: BoltContext, client: WebClient) -> None:
    ack()
    services = services_of(context)
    person = person_of(context, client, body["user"]["id"])
    choices = article_choices(services, key=str(action.get("value") or ""), actor_id=person.id)
    services.commit_turn()
    view = article_form(
        labels(services, person.language), key=choices.key,
        intro=say(services, "article_intro", person.language, key=choices.key,
                  text=choices.text),
        suggested=[(c.id, shown(c)) for c in choices.suggested],
        others=[(c.id, shown(c)) for c in choices.others],
        metadata={"key": choices.key, "channel": _channel(body)},
        searchable=choices.searchable)
    client.views_open(trigger_id=body["trigger_id"], view=view)


def _tell(services: Services, user: str, channel: Any, text: str, language: str) -> None:
    """Privately, where the card is (a form opened elsewhere: by direct message), once the
    unit of work has committed (through the outbox, retried if Slack fails)."""
    outgoing.tell(services, channel=str(channel) if channel else None, user=user, text=text,
                  language=language, or_direct=True)


def on_article_form(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext,
                    client: WebClient) -> None:
    services = services_of(context)
    person = person_of(context, client, body["user"]["id"])
    chosen = submitted((view.get("state") or {}).get("values") or {}, BlockId.ARTICLE)
    if not chosen:
        ack(response_action="errors", errors={BlockId.ARTICLE.value: labels(
            services, person.language)("article_missing")})
        return
    ack()
    metadata = view_metadata(view)
    user, channel = body["user"]["id"], metadata.get("channel")
    try:
        linked = link_article(services.uow(), services.matcher.articles,
                              key=str(metadata.get("key") or ""), actor_id=person.id,
                              article_id=str(chosen))
    except DeskError as error:  # the refusal itself wrote nothing
        _tell(services, user, channel, services.messages.error(error, person.language),
              person.language)
        return
    _tell(services, user, channel, services.messages.render(
        "commands.article_linked", person.language, key=linked.key, title=linked.title,
        article_id=linked.article_id, learned=linked.learned), person.language)


def register(app: App) -> None:
    app.action(ActionId.ARTICLE.value)(one_turn(on_card_article))
    app.view(CallbackId.ARTICLE_FORM.value)(one_turn(on_article_form))
