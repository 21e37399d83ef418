"""WhitespaceTokenizer: split into tokens after normalising (lowercase, accents, stretched letters).

Normalising here, once, means every featurizer after it sees the same folded text, which is what
makes "contraseña", "contrasena" and "CONTRASEÑAAA" the same word to the classifier.
"""

from __future__ import annotations

from nlu.components.base import Component, ParseState, TrainState
from nlu.text import normalise, tokenize


class WhitespaceTokenizer(Component):
    name = "WhitespaceTokenizer"
    defaults = {"intent_tokenization_flag": False, "intent_split_symbol": "_"}

    def _normalise(self, text: str) -> str:
        return " ".join(tokenize(normalise(text)))

    def train(self, state: TrainState) -> None:
        state.texts = [self._normalise(m.text) for m in state.data.examples]

    def process(self, state: ParseState) -> None:
        state.normalised = self._normalise(state.text)
        state.tokens = state.normalised.split()
