"""RegexEntityExtractor and EntitySynonymMapper, with Rasa's output fields.

Patterns run over accent-folded text of the same length, so ``start``/``end`` point into the
message as typed and ``value`` is what the person wrote; the synonym mapper then turns "wifi" or
"no puedo trabajar" into the canonical value (``network``, ``high``) and records itself in
``processors``. Ticket keys are canonicalised (``inc 12`` -> ``INC-12``) on extraction, and a
ticket named by number only (``el ticket 12``) becomes ``ticket_number`` ``12``.
"""

from __future__ import annotations

import re

from nlu.components.base import Component, ParseState, PatternComponent, TrainState
from nlu.text import fold
from nlu.ticket_keys import normalise_ticket_key, normalise_ticket_number

TICKET_KEY = "ticket_key"
TICKET_NUMBER = "ticket_number"


class RegexEntityExtractor(PatternComponent):
    name = "RegexEntityExtractor"

    def train(self, state: TrainState) -> None:
        self.compile(state, only_entities=True)

    def process(self, state: ParseState) -> None:
        self._extract(state, fold(state.text),
                      [(n, name, p) for n, (name, p) in enumerate(self.patterns)])

    def process_fast(self, state: ParseState) -> None:
        folded = fold(state.text)
        self._extract(state, folded, self.patterns_for(folded))

    def _extract(self, state: ParseState, folded: str,
                 patterns: list[tuple[int, str, re.Pattern[str]]]) -> None:
        found: list[dict] = []
        for _, name, pattern in patterns:
            for match in pattern.finditer(folded):
                start, end = match.span()
                if start == end:
                    continue
                value = state.text[start:end]
                if name == TICKET_KEY:
                    value = normalise_ticket_key(value)
                elif name == TICKET_NUMBER:
                    value = normalise_ticket_number(value)
                found.append({"entity": name, "start": start, "end": end, "value": value,
                              "confidence_entity": 1.0, "extractor": self.name})
        state.entities.extend(_without_overlaps(found))


def _without_overlaps(entities: list[dict]) -> list[dict]:
    """Within one entity type keep the longest of overlapping spans ("cuenta bloqueada", not
    "cuenta"), when a regex and a lookup of the same name both fire on one span."""
    kept: list[dict] = []
    for ent in sorted(entities, key=lambda e: (e["start"] - e["end"], e["start"])):
        if not any(k["entity"] == ent["entity"] and k["start"] < ent["end"]
                   and ent["start"] < k["end"] for k in kept):
            kept.append(ent)
    return sorted(kept, key=lambda e: (e["start"], e["entity"]))


class EntitySynonymMapper(Component):
    name = "EntitySynonymMapper"

    def __init__(self, config: dict | None = None) -> None:
        super().__init__(config)
        self.synonyms: dict[str, str] = {}

    def train(self, state: TrainState) -> None:
        self.synonyms = dict(state.data.entity_synonyms)

    def process(self, state: ParseState) -> None:
        for entity in state.entities:
            canonical = self.synonyms.get(fold(str(entity["value"])).strip())
            if canonical is not None and canonical != entity["value"]:
                entity["value"] = canonical
                entity.setdefault("processors", []).append(self.name)
