"""What every pipeline component shares: its config and the two states it reads and writes.

Components run in the order config.yml lists them, as in Rasa. Training works on whole batches
(featurizers fit once over all examples), parsing on one message; both pass a state object along
so a component only touches what it produces (features, intent, entities).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, ClassVar, NamedTuple, TypeAlias

import numpy as np
import scipy.sparse as sp

from nlu.patterns import (
    compile_patterns,
    has_digit,
    is_lowercase_ascii,
    lowercase_twin,
    needs_digit,
)
from nlu.training_data import TrainingData


@dataclass
class TrainState:
    data: TrainingData
    texts: list[str] = field(default_factory=list)  # normalised, filled by the tokenizer
    features: list[sp.csr_matrix] = field(default_factory=list)

    @property
    def labels(self) -> list[str]:
        return [m.intent or "" for m in self.data.examples]


class RowBlock(NamedTuple):
    """One featurizer's features for one message, without a scipy matrix around them.

    ``columns`` are the block's own column numbers, ascending and distinct (the order a CSR row
    keeps them in), ``values`` the matching nonzero values as float64, ``width`` the block's
    column count. Building this instead of a 1-row ``csr_matrix`` (and stacking those) spares
    the parse most of scipy's per-call cost, which is larger than the arithmetic itself.
    """

    columns: np.ndarray
    values: np.ndarray
    width: int

    @classmethod
    def from_csr(cls, row: sp.csr_matrix) -> RowBlock:
        """A featurizer that only has the scipy path still gives the fast classifier a block."""
        row = sp.csr_matrix(row)
        row.sum_duplicates()  # also sorts the indices, as a product with it would see them
        return cls(row.indices.astype(np.intp), row.data.astype(np.float64), int(row.shape[1]))

    def to_csr(self) -> sp.csr_matrix:
        return sp.csr_matrix(
            (self.values, self.columns, np.array([0, len(self.columns)])), shape=(1, self.width)
        )


#: A message's features from one featurizer: a CSR row (reference path) or a block (fast path).
Features: TypeAlias = "sp.csr_matrix | RowBlock"


@dataclass
class ParseState:
    text: str
    normalised: str = ""
    tokens: list[str] = field(default_factory=list)
    features: list[Features] = field(default_factory=list)
    intent: dict[str, Any] = field(default_factory=lambda: {"name": None, "confidence": 0.0})
    intent_ranking: list[dict[str, Any]] = field(default_factory=list)
    entities: list[dict[str, Any]] = field(default_factory=list)


def stacked(features: list[Features]) -> sp.csr_matrix:
    blocks = [f.to_csr() if isinstance(f, RowBlock) else f for f in features]
    return sp.hstack(blocks, format="csr") if blocks else sp.csr_matrix((1, 0))


def stacked_row(features: list[Features]) -> tuple[np.ndarray, np.ndarray, int]:
    """``(columns, values, width)`` of the stacked row: what ``stacked`` would hold, in the same
    (ascending) column order, so that a product over it adds the same terms in the same order.
    A block without nonzeros adds nothing to join (a message seldom has a regex feature)."""
    columns: list[np.ndarray] = []
    values: list[np.ndarray] = []
    offset = 0
    for feature in features:
        block = feature if isinstance(feature, RowBlock) else RowBlock.from_csr(feature)
        if len(block.columns):
            columns.append(block.columns + offset if offset else block.columns)
            values.append(block.values)
        offset += block.width
    if len(columns) == 1:
        return columns[0], values[0], offset
    if not columns:
        return np.zeros(0, dtype=np.intp), np.zeros(0), offset
    return np.concatenate(columns), np.concatenate(values), offset


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

    def process_fast(self, state: ParseState) -> None:
        """``process`` without scipy/scikit-learn per-call overhead, same output.

        Components whose ``process`` has no such overhead keep it. Featurizers may add a
        ``RowBlock`` instead of a CSR row; classifiers accept both.
        """
        self.process(state)

    def __getstate__(self) -> dict[str, Any]:
        """Tables derived for the fast path are rebuilt on first use, not pickled: the cached
        model holds what training produced and nothing else."""
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_fast")}


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

    def patterns_for(self, text: str) -> list[tuple[int, str, re.Pattern[str]]]:
        """``(number in patterns, name, pattern)`` of the patterns that can match ``text``: where
        the text is lowercase ASCII, a lookup table's case-sensitive twin, which finds the same
        matches faster; where it has no digit, none of those every match of which has one."""
        variants: dict[tuple[bool, bool], list[tuple[int, str, re.Pattern[str]]]] | None = \
            self.__dict__.get("_fast_variants")
        if variants is None:
            twins = [lowercase_twin(p) or p for _, p in self.patterns]
            digits = [needs_digit(p) for _, p in self.patterns]
            variants = self._fast_variants = {
                (lower, digit): [(n, name, twins[n] if lower else p)
                                 for n, (name, p) in enumerate(self.patterns)
                                 if digit or not digits[n]]
                for lower in (False, True) for digit in (False, True)
            }
        return variants[is_lowercase_ascii(text), has_digit(text)]
