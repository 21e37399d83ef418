"""The embedded interpreter: ``parse(text)`` answers exactly what Rasa's ``POST /model/parse`` does.

Plus one extra top-level key, ``language``, which Rasa consumers ignore and the bot needs to reply
in the person's language.
"""

from __future__ import annotations

from typing import Any

from nlu.language import detect_language
from nlu.pipeline import Pipeline


class Interpreter:
    def __init__(self, pipeline: Pipeline, language: str = "es", fingerprint: str = "") -> None:
        self.pipeline = pipeline
        self.language = language
        self.fingerprint = fingerprint

    def parse(self, text: str, *, reference: bool = False) -> dict[str, Any]:
        """``reference=True``: the scikit-learn path the default (fast) one is checked against."""
        text = text if isinstance(text, str) else str(text)
        state = self.pipeline.process(text, reference=reference)
        return {
            "text": text,
            "intent": dict(state.intent),
            "entities": state.entities,
            "intent_ranking": state.intent_ranking,
            "language": detect_language(text, self.language),
        }
