"""Regexes and lookup tables from the training data, compiled the way Rasa compiles them.

A lookup table becomes one alternation with word boundaries, longest element first, so that
"cuenta bloqueada" wins over "cuenta". Elements are accent-folded and patterns run over folded
text, so "contraseña" in a lookup also finds "contrasena" and "CONTRASEÑA".
"""

from __future__ import annotations

import re

from nlu.text import fold
from nlu.training_data import TrainingData


def lookup_pattern(elements: list[str], word_boundaries: bool = True) -> str:
    alternatives = sorted({fold(e).strip() for e in elements if e.strip()}, key=len, reverse=True)
    body = "|".join(re.escape(a) for a in alternatives)
    return rf"(?<!\w)(?:{body})(?!\w)" if word_boundaries else f"(?:{body})"


def compile_patterns(
    data: TrainingData,
    *,
    use_lookup_tables: bool = True,
    use_regexes: bool = True,
    case_sensitive: bool = False,
    use_word_boundaries: bool = True,
    only_entities: bool = False,
) -> list[tuple[str, re.Pattern[str]]]:
    """``(name, pattern)`` pairs; ``only_entities`` keeps those named after annotated entities,
    which is what Rasa's RegexEntityExtractor does (a pattern nobody annotated is a feature only).
    """
    flags = 0 if case_sensitive else re.IGNORECASE
    wanted = data.entities if only_entities else None
    compiled: list[tuple[str, re.Pattern[str]]] = []
    if use_regexes:
        for regex in data.regex_features:
            if wanted is None or regex["name"] in wanted:
                compiled.append((regex["name"], re.compile(regex["pattern"], flags)))
    if use_lookup_tables:
        for table in data.lookup_tables:
            if (wanted is None or table["name"] in wanted) and table["elements"]:
                pattern = lookup_pattern(table["elements"], use_word_boundaries)
                compiled.append((table["name"], re.compile(pattern, flags)))
    return compiled
