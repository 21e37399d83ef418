"""What every pipeline component shares: its config and the two states it reads and writes.

Components run in the order config.yml lists them, as in Rasa. Training works on whole batches
(featurizers fit once over all examples), parsing on one message; both pass a state object along
so a component only touches what it produces (features, intent, entities).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

import scipy.sparse as sp

from nlu.patterns import compile_patterns
from nlu.training_data import TrainingData


@dataclass
class TrainState:
    data: TrainingData
    texts: list[str] = field(default_factory=list)  # normalised, filled by the tokenizer
    features: list[sp.csr_matrix] = field(default_factory=list)

    @property
    def labels(self) -> list[str]:
        return [m.intent or "" for m in self.data.examples]


@dataclass
class ParseState:
    text: str
    normalised: str = ""
    tokens: list[str] = field(default_factory=list)
    features: list[sp.csr_matrix] = field(default_factory=list)
    intent: dict[str, Any] = field(default_factory=lambda: {"name": None, "confidence": 0.0})
    intent_ranking: list[dict[str, Any]] = field(default_factory=list)
    entities: list[dict[str, Any]] = field(default_factory=list)


def stacked(features: list[sp.csr_matrix]) -> sp.csr_matrix:
    return sp.hstack(features, format="csr") if features else sp.csr_matrix((1, 0))


class Component:
    """Base: ``defaults`` are merged under the params given in config.yml."""

    name: ClassVar[str] = ""
    defaults: ClassVar[dict[str, Any]] = {}

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        given = {k: v for k, v in (config or {}).items() if k != "name"}
        self.config: dict[str, Any] = {**self.defaults, **given}

    def train(self, state: TrainState) -> None:
        """Learn from the training batch and add this component's output to ``state``."""

    def process(self, state: ParseState) -> None:
        """Add this component's output for one message to ``state``."""


class PatternComponent(Component):
    """What the components running the training data's regexes and lookup tables share:
    their Rasa parameters, and compiling the patterns with them."""

    defaults: ClassVar[dict[str, Any]] = {
        "use_lookup_tables": True, "use_regexes": True, "use_word_boundaries": True,
        "case_sensitive": False,
    }

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        super().__init__(config)
        self.patterns: list[tuple[str, re.Pattern[str]]] = []

    def compile(self, state: TrainState, *, only_entities: bool = False) -> None:
        cfg = self.config
        self.patterns = compile_patterns(
            state.data,
            use_lookup_tables=cfg["use_lookup_tables"],
            use_regexes=cfg["use_regexes"],
            case_sensitive=cfg["case_sensitive"],
            use_word_boundaries=cfg["use_word_boundaries"],
            only_entities=only_entities,
        )
