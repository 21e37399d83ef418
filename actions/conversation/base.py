"""What every conversation action shares: collaborators, who is talking, replies, errors.

Actions are rasa-sdk ``Action`` subclasses, so a Rasa server can call them through
``python -m rasa_sdk --actions actions``; the desk's own dialogue policy calls them in process
with a hand-built ``Tracker`` and a ``CollectingDispatcher``. Either way the turn's facts travel
in the tracker: the latest message (intent, entities, text) and its ``metadata`` (channel,
thread, person, text flavour), and the conversation's slots.

A refusal from a use case (``DeskError``) becomes one polite sentence in the person's language;
the use case has rolled back, so nothing is half-written.
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.messages import Messages
from actions.services import Services, default_services
from actions.views import PersonView
from store.errors import DeskError, NotFound

#: A Rasa server's sender ids are the user ids of the chat it is connected to (Slack's).
SENDER_CHANNEL = "slack"


@dataclass(frozen=True)
class Turn:
    """The facts of one turn, read from the tracker."""

    person: PersonView
    language: str
    channel: str
    ref: str
    thread_ref: str | None
    text: str
    intent: str
    entities: tuple[dict[str, Any], ...]
    slots: dict[str, Any]

    def entity(self, name: str) -> Any:
        """The first value of an entity, or None."""
        for entity in self.entities:
            if entity.get("entity") == name and entity.get("value") not in (None, ""):
                return entity["value"]
        return None


class DeskAction(Action, metaclass=ABCMeta):
    """Base of the desk's custom actions: ``act`` does the work, ``run`` adds the plumbing."""

    def __init__(self, services: Services | None = None, messages: Messages | None = None,
                 ) -> None:
        self._services = services
        self._messages = messages

    @property
    def services(self) -> Services:
        if self._services is None:
            self._services = default_services()
        return self._services

    def messages_for(self, tracker: Tracker) -> Messages:
        if self._messages is not None:
            return self._messages
        flavour = _metadata(tracker).get("flavour")
        return self.services.plain if flavour == "plain" else self.services.messages

    @abstractmethod
    def name(self) -> str: ...

    @abstractmethod
    def act(self, out: Replies, turn: Turn) -> list[dict[str, Any]]:
        """Do the action's work, put replies in ``out``, return slot events."""

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[dict[str, Any]]:
        messages = self.messages_for(tracker)
        turn = self.turn(tracker)
        out = Replies(dispatcher, messages, turn.language)
        try:
            return self.act(out, turn)
        except DeskError as error:
            out.error(error)
            return []

    def turn(self, tracker: Tracker) -> Turn:
        metadata = _metadata(tracker)
        person = self._person(tracker, metadata)
        message = tracker.latest_message or {}
        language = metadata.get("language") or tracker.get_slot("language") or person.language
        return Turn(
            person=person,
            language=language if language in ("es", "en") else "es",
            channel=str(metadata.get("channel") or "slack"),
            ref=str(metadata.get("ref") or tracker.sender_id),
            thread_ref=metadata.get("thread_ref"),
            text=str(message.get("text") or ""),
            intent=str((message.get("intent") or {}).get("name") or ""),
            entities=tuple(message.get("entities") or ()),
            slots=dict(tracker.slots or {}),
        )

    def _person(self, tracker: Tracker, metadata: dict[str, Any]) -> PersonView:
        """The person from the metadata, else the Rasa sender id taken as a Slack user id."""
        with self.services.uow() as uow:
            person_id = metadata.get("person_id") or tracker.get_slot("person_id")
            if person_id is not None:
                return PersonView.of_row(uow.people.row(int(person_id)))
            person = uow.people.by_address(SENDER_CHANNEL, str(tracker.sender_id))
            if person is None:
                raise NotFound("person_not_found", ref=str(tracker.sender_id))
            return PersonView.of(person)


def _metadata(tracker: Tracker) -> dict[str, Any]:
    return dict((tracker.latest_message or {}).get("metadata") or {})


class Replies:
    """Renders named messages into the dispatcher, in the person's language."""

    def __init__(self, dispatcher: CollectingDispatcher, messages: Messages, language: str,
                 ) -> None:
        self.dispatcher = dispatcher
        self.messages = messages
        self.language = language

    def text(self, name: str, /, **context: Any) -> str:
        return self.messages.render(f"conversation.{name}", self.language, **context)

    def say(self, name: str, /, *, buttons: list[dict[str, str]] | None = None,
            custom: dict[str, Any] | None = None, **context: Any) -> None:
        self.dispatcher.utter_message(text=self.text(name, **context), buttons=buttons or [],
                                      json_message=custom or None)

    def add(self, messages: list[dict[str, Any]]) -> None:
        """Messages already built (the closure and survey prompts)."""
        for message in messages:
            self.dispatcher.utter_message(text=message.get("text"),
                                          buttons=message.get("buttons") or [],
                                          json_message=message.get("custom") or None)

    def error(self, error: DeskError) -> None:
        self.dispatcher.utter_message(text=self.messages.error(error, self.language))


def slots(**values: Any) -> list[dict[str, Any]]:
    return [SlotSet(name, value) for name, value in values.items()]
