"""Bolt listeners, one package per kind of request, each exposing ``register(app)``.

Every listener acknowledges first and works after (the app runs with
``process_before_response=False``, so Bolt answers Slack as soon as ``ack()`` is called and the
rest runs on its listener executor). Listeners declare only the arguments they need; the desk's
``Services`` come from ``context["services"]`` (put there by the app's middleware). Errors are not
caught here: they reach the app's single error handler.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from actions.services import Services
from actions.views import PersonView
from bot.slack.users import person_for


def services_of(context: BoltContext) -> Services:
    return context["services"]


def view_metadata(view: dict[str, Any]) -> dict[str, Any]:
    """What a form carried from where it was opened (``private_metadata``); a forged or broken
    value reads as nothing rather than failing the submission."""
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def person_of(context: BoltContext, client: WebClient, slack_id: str) -> PersonView:
    """The person behind ``slack_id``, remembered in the context for the error handler."""
    person = person_for(services_of(context), client, slack_id)
    context["person"] = person
    return person


def one_turn(listener: Callable[..., None]) -> Callable[..., None]:
    """Run a listener as one unit of work (``Services.turn``): the person it registers, the use
    cases it calls and the notices they queue commit together when it returns, or not at all
    when it raises (the error handler then tells the person). Notices leave after the commit.
    The listener must declare ``context`` (Bolt passes arguments by name; ``functools.wraps``
    lets Bolt read the listener's own signature).
    """

    @functools.wraps(listener)
    def in_one_turn(**kwargs: Any) -> None:
        with services_of(kwargs["context"]).turn() as turn:
            listener(**kwargs)
            turn.commit()

    return in_one_turn


def register_all(app: App) -> None:
    """Bolt tries listeners in registration order and runs the first that matches, so the order
    matters only between listeners that can match the same request: the triage-thread ``message``
    listener comes before the general one. Events listeners (the bulk of the traffic: direct
    messages) come before the interactivity ones, which never match an event, so a message is not
    tried against every button and form first."""
    from bot.listeners import (
        actions,
        commands,
        events,
        kb_article,
        shortcuts,
        suggestions,
        tech,
        views,
    )

    tech.register_events(app)  # before the general message listener
    events.register(app)
    for module in (tech, kb_article, commands, actions, views, shortcuts, suggestions):
        module.register(app)


def user_id_of(body: dict[str, Any]) -> str | None:
    """The Slack user behind any request body (event, command, interaction)."""
    event = body.get("event") or {}
    user = body.get("user")
    if isinstance(user, dict):
        return user.get("id")
    return body.get("user_id") or user or event.get("user")
