"""One language per person: the one in their profile, changed only on real evidence.

A single "hi", "ok" or "thanks" says little about the language someone thinks in (Spanish
speakers greet in English all the time), so it never switches. What does: a whole sentence
clearly in the other language, or asking for it ("English please", "en español por favor").
Anything shorter or mixed ("my laptop no prende" from an English speaker) keeps the person's
language, so one conversation never flips back and forth.
"""

from __future__ import annotations

import re
from typing import Any

from actions.conversation.base import DeskAction, Replies, Turn, slots
from actions.conversation.phrases import fold, has_words, word_count

#: Words that make a message a sentence rather than a greeting or an acknowledgement.
SENTENCE_WORDS = 4
#: An explicit request is short; a longer message that mentions a language is about something.
REQUEST_WORDS = 7
#: A sentence switches the person's language only when it is clearly in the other one: that
#: language's words must outnumber theirs this many times. Spanglish ("my laptop no prende")
#: is how bilingual people write; it says nothing about the language they want to read.
CLEARLY = 3

_ASK = {
    "es": re.compile(r"\b((en|in) (espanol|castellano)|spanish,? please|"
                     r"habla(me|r)? (en )?(espanol|castellano)|espanol,? por favor)\b"),
    "en": re.compile(r"\b((in|en) (english|ingles)|english,? please|english,? por favor|"
                     r"speak english|habla(me|r)? (en )?ingles)\b"),
}


def asked_language(text: str) -> str | None:
    """"English please" -> "en"; "en español por favor" -> "es"; otherwise None."""
    folded = fold(text)
    if word_count(folded) > REQUEST_WORDS:
        return None
    for language, pattern in _ASK.items():
        if pattern.search(folded):
            return language
    return None


def choose_language(text: str, stored: str) -> str:
    """The language to answer this message in, given the one the person had."""
    from nlu.language import evidence

    asked = asked_language(text)
    if asked:
        return asked
    if not has_words(text) or word_count(text) < SENTENCE_WORDS:
        return stored
    spanish, english = evidence(text)
    own, other = (spanish, english) if stored == "es" else (english, spanish)
    if other and other >= CLEARLY * own:
        return "en" if stored == "es" else "es"
    return stored


class ActionSwitchLanguage(DeskAction):
    """Acknowledge "English please": the switch itself happened before the action ran."""

    def name(self) -> str:
        return "action_switch_language"

    def act(self, out: Replies, turn: Turn) -> list[dict[str, Any]]:
        out.say("language_switched", name=turn.person.name)
        return slots(language=out.language)


__all__ = ["ActionSwitchLanguage", "asked_language", "choose_language"]
