"""Small judgements the matcher makes about a message's words, kept apart to be read alone."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from rapidfuzz import process
from rapidfuzz.distance import OSA

from kb.lexicon import is_item_token

_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|\n\s*\n|\n(?=\s*(?:[-*#>]|\d+[.)]))")
_MARKUP = re.compile(r"[*_`#>]+|^\s*(?:[-*]|\d+[.)])\s+")


def unique_groups(groups: Iterable[Sequence[str]]) -> tuple[frozenset[str], ...]:
    """Each distinct word's tokens once, first seen first ("vpn ... vpn" counts once)."""
    return tuple(dict.fromkeys(frozenset(g) for g in groups if g))


def is_code(group: frozenset[str]) -> bool:
    """A number, room, floor or error code ("3er", "0x80070005"): a detail, not a topic.

    An item token ("#software:7zip") names a thing, not a code, whatever its spelling."""
    return any(ch.isdigit() for t in group if not is_item_token(t) for ch in t)


def evidence(support: float, unknown: float, matched: int) -> float:
    """Share of the score an article keeps when one message word is all it accounts for.

    "there is a mouse in the kitchen" and "can i bring my dog to the office" share one word
    with an article, and that word fits its field's phrasing so well that recall and fuzzy
    similarity alone pass the threshold. When the article explains just one of the message's
    words and the message also has content words no article knows, the score is scaled by the
    share of the message's weight that word carries: one matched word out of several unknown
    ones is weak evidence. Two or more matched words ("mouse" and "stopped working") are not
    scaled, nor is a message whose every word the knowledge base knows ("vpn", "mouse?").
    """
    if matched > 1 or not unknown:
        return 1.0
    return support / (support + unknown)


def passages(body: str) -> list[str]:
    """An article body cut into sentences, list items and headings, markup removed.

    A plain imported article (a title and a body) has no written questions; its body's
    sentences are the closest thing it has to them: each is one way the article says what it
    is about, so a question that paraphrases one sentence is found by it.
    """
    out = []
    for piece in _SENTENCE_END.split(body):
        text = " ".join(_MARKUP.sub(" ", line) for line in piece.splitlines()).strip()
        if text:
            out.append(text)
    return out


class NearStems:
    """The knowledge base's stems, to find the one a message's unknown stem is spelt close to.

    Cognates the lexicon does not list often stem one letter apart in the two languages
    ("frecuenc"/"frequenc", "tecnolog"/"technolog", "plataform"/"platform"), and so does a
    slip typed into a word the typo correction did not reach. A message stem no article has,
    at least ``LEAST`` letters long and one slip (OSA) from exactly one stem of the articles
    with the same first letter, is taken as that stem; ambiguous or short ones stay as they
    are, and so do words any article already uses.
    """

    LEAST = 6
    CACHE = 20_000

    def __init__(self, stems: Iterable[str]) -> None:
        self._buckets: dict[tuple[str, int], list[str]] = {}
        for stem in sorted(set(stems)):
            if len(stem) >= self.LEAST - 1 and stem.isalpha():
                self._buckets.setdefault((stem[0], len(stem)), []).append(stem)
        self._cache: dict[str, str] = {}

    def nearest(self, stem: str) -> str:
        if len(stem) < self.LEAST or not stem.isalpha() or stem.startswith("#"):
            return stem
        hit = self._cache.get(stem)
        if hit is not None:
            return hit
        choices = [s for size in (len(stem) - 1, len(stem), len(stem) + 1)
                   for s in self._buckets.get((stem[0], size), ())]
        found = [s for s, _, _ in process.extract(stem, choices, scorer=OSA.distance,
                                                  score_cutoff=1, limit=2)]
        hit = found[0] if len(found) == 1 else stem
        if len(self._cache) < self.CACHE:
            self._cache[stem] = hit
        return hit
