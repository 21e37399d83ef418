"""The phrases the requester's controls recognise by rule: cancelling and asking for a language.

A how-to that mentions cancelling something else, or a sentence that mentions a language, must
stay what it is (a question for the knowledge base), not a cancellation or a switch.
"""

from __future__ import annotations

import pytest

from actions.conversation.cancel import says_cancel
from actions.conversation.language import asked_language, choose_language


@pytest.mark.parametrize("text", [
    "cancel", "Cancelar", "cancélalo", "ya no hace falta", "ya no lo necesito, cancela el ticket",
    "cancela mi ticket INC-3 por favor", "I don't need it anymore", "no longer needed",
    "please cancel my ticket", "never mind",
])
def test_cancel_phrases(text: str) -> None:
    assert says_cancel(text)


@pytest.mark.parametrize("text", [
    "¿cómo cancelo una reunión en Outlook?", "how do I cancel a Teams meeting",
    "necesito cancelar mi suscripción de Adobe", "la impresora ya no imprime",
    "no puedo cancelar el trabajo de impresión",
])
def test_not_cancel_phrases(text: str) -> None:
    assert not says_cancel(text)


@pytest.mark.parametrize("text,lang", [
    ("English please", "en"), ("in english, please", "en"), ("en español por favor", "es"),
    ("háblame en español", "es"), ("can you speak english", "en"),
])
def test_asking_for_a_language(text: str, lang: str) -> None:
    assert asked_language(text) == lang


@pytest.mark.parametrize("text,stored,chosen", [
    ("hi", "es", "es"), ("ok", "es", "es"), ("thanks a lot", "es", "es"), ("hola", "en", "en"),
    ("my laptop does not turn on since this morning", "es", "en"),
    ("mi laptop no prende desde esta mañana", "en", "es"),
    ("my laptop no prende", "en", "en"), ("my outlook no sincroniza", "en", "en"),
    ("INC-3", "en", "en"), ("👍", "es", "es"),
    ("the english keyboard layout is missing on my laptop since the update", "es", "en"),
])
def test_one_language_per_person(text: str, stored: str, chosen: str) -> None:
    assert choose_language(text, stored) == chosen
