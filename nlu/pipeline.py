"""A trained pipeline: the components config.yml names, run in order.

Kept free of I/O so that the model cache can pickle it and cross-validation can train many.
"""

from __future__ import annotations

from typing import Any

from nlu.components import REGISTRY, Component, ParseState, TrainState
from nlu.config import NluConfigError
from nlu.training_data import TrainingData


def build_components(pipeline: list[dict[str, Any]]) -> list[Component]:
    components: list[Component] = []
    for spec in pipeline:
        cls = REGISTRY.get(str(spec.get("name")))
        if cls is None:
            known = ", ".join(sorted(REGISTRY))
            raise NluConfigError(
                f"unknown pipeline component {spec.get('name')!r} (known: {known})"
            )
        components.append(cls(spec))
    return components


class Pipeline:
    def __init__(self, pipeline: list[dict[str, Any]]) -> None:
        self.spec = pipeline
        self.components = build_components(pipeline)

    def train(self, data: TrainingData) -> Pipeline:
        if not data.examples:
            raise ValueError("no training examples")
        state = TrainState(data=data)
        for component in self.components:
            component.train(state)
        return self

    def process(self, text: str, *, reference: bool = False) -> ParseState:
        """Run every component over one message.

        By default each component's ``process_fast``; ``reference=True`` runs the plain
        scikit-learn/scipy path instead, which the fast one must match (tests compare them).
        """
        state = ParseState(text=text)
        if reference:
            for component in self.components:
                component.process(state)
        else:
            for component in self.components:
                component.process_fast(state)
        return state
