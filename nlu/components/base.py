"""What every pipeline component shares: its config and the two states it reads and writes.

Components run in the order config.yml lists them, as in Rasa. Training works on whole batches
(featurizers fit once over all examples), parsing on one message; both pass a state object along
so a component only touches what it produces (features, intent, entities).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import scipy.sparse as sp

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
