"""Regexes and lookup tables from the training data, compiled the way Rasa compiles them.

A lookup table becomes one alternation with word boundaries, longest element first, so that
"cuenta bloqueada" wins over "cuenta". Elements are accent-folded and patterns run over folded
text, so "contraseña" in a lookup also finds "contrasena" and "CONTRASEÑA".
"""

from __future__ import annotations

import re
from re import _constants, _parser  # type: ignore[attr-defined]
from typing import Any

from nlu.text import fold
from nlu.training_data import TrainingData


def lookup_pattern(elements: list[str], word_boundaries: bool = True) -> str:
    alternatives = sorted({fold(e).strip() for e in elements if e.strip()}, key=len, reverse=True)
    body = "|".join(re.escape(a) for a in alternatives)
    return rf"(?<!\w)(?:{body})(?!\w)" if word_boundaries else f"(?:{body})"


# A lookup table's pattern as ``lookup_pattern`` writes it from ASCII elements: lowercase
# letters, digits and punctuation that is literal unescaped, escaped punctuation, ``|``.
_LITERALS = r"""(?:[a-z0-9!"%',/:;<=>@_`]|\\[^A-Za-z0-9]|\|)*"""
_LOOKUP_SHAPE = re.compile(
    rf"\(\?<!\\w\)\(\?:{_LITERALS}\)\(\?!\\w\)|\(\?:{_LITERALS}\)"
)


def lowercase_twin(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """The same pattern without IGNORECASE, for text that is lowercase ASCII; ``None`` when
    dropping the flag could change a match.

    A case-insensitive alternation tries every alternative at every position, a case-sensitive
    one skips those whose first character differs: 3x faster on a large lookup table. It is the
    same match only when every character of the pattern is a lowercase or caseless ASCII literal
    (a lookup table of folded ASCII elements) and so is every character of the text: then each
    comparison gives the same answer with or without the flag.
    """
    if not pattern.flags & re.IGNORECASE or not pattern.pattern.isascii():
        return None
    if not _LOOKUP_SHAPE.fullmatch(pattern.pattern):
        return None
    return re.compile(pattern.pattern, pattern.flags & ~re.IGNORECASE)


def is_lowercase_ascii(text: str) -> bool:
    return text.isascii() and text.lower() == text


_DIGIT = re.compile(r"\d")
_REPEATS = (_constants.MAX_REPEAT, _constants.MIN_REPEAT, _constants.POSSESSIVE_REPEAT)


def _sequence_needs_digit(items: Any) -> bool:
    r"""Whether a parsed sequence (``re._parser``) consumes a ``\d`` wherever it matches: one
    of its items always does (a ``\d``, a repeat of at least one, a group, or a branch all of
    whose alternatives do). Anything else, lookarounds included, counts as not needing one."""
    for op, av in items:
        if op is _constants.IN:
            needed = list(av) == [(_constants.CATEGORY, _constants.CATEGORY_DIGIT)]
        elif op in _REPEATS:
            least, _most, body = av
            needed = least >= 1 and _sequence_needs_digit(body)
        elif op is _constants.SUBPATTERN:
            needed = _sequence_needs_digit(av[-1])
        elif op is _constants.ATOMIC_GROUP:
            needed = _sequence_needs_digit(av)
        elif op is _constants.BRANCH:
            needed = all(_sequence_needs_digit(branch) for branch in av[1])
        else:
            needed = False
        if needed:
            return True
    return False


def needs_digit(pattern: re.Pattern[str]) -> bool:
    r"""Whether every match of ``pattern`` contains a decimal digit (``\d``), as a ticket key
    does: in a message without one, such a pattern need not run at all (most messages have
    none, and a regex is tried at every position of the text before it gives up)."""
    try:
        parsed = _parser.parse(pattern.pattern, pattern.flags)
    except Exception:  # noqa: BLE001 - an internal parser; unsure means "may match anything"
        return False
    return _sequence_needs_digit(parsed)


def has_digit(text: str) -> bool:
    r"""Whether ``text`` has a character ``\d`` matches (any Unicode decimal digit: a pattern
    compiled with ``re.ASCII`` matches fewer, so none here means none for it either)."""
    return _DIGIT.search(text) is not None


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
