"""Text normalisation shared by the featurizers, the lookup matcher and the language detector.

People type in Slack without accents, with stretched letters ("holaaa") and in any case. Folding
all of that away before featurising lets a few hundred examples cover the spellings we never wrote.
``fold`` keeps the string length unchanged, so a match found in folded text has the same offsets
in the original message (entity ``start``/``end`` must point into what the person wrote).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_REPEATS = re.compile(r"(\w)\1{2,}")
_DIGITS = re.compile(r"\d+")
_TOKEN = re.compile(r"[\w#@+-]+|[^\w\s]", re.UNICODE)

#: Chat shorthand written out, so "xq no jala" and "porque no jala" share their word features.
#: Only unambiguous forms: "k", "d" or "x" alone mean too many things to expand.
ABBREVIATIONS: dict[str, str] = {
    "q": "que", "xq": "porque", "pq": "porque", "porq": "porque", "xk": "porque",
    "porfa": "por favor", "porfis": "por favor", "xfa": "por favor", "pf": "por favor",
    "tb": "tambien", "tmb": "tambien", "tbn": "tambien",
    "pls": "please", "plz": "please", "pleas": "please", "thx": "thanks", "thnx": "thanks",
    "thanx": "thanks", "tnx": "thanks", "ty": "thank you", "tysm": "thank you so much",
    "u": "you", "ur": "your", "asap": "as soon as possible", "idk": "i don't know",
    "cant": "can't", "dont": "don't", "doesnt": "doesn't", "wont": "won't", "isnt": "isn't",
    "im": "i'm",
}
_WORDS = re.compile(r"[a-z']+")
_ABBREVIATED = frozenset(ABBREVIATIONS)


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    lowered = char.lower()
    if len(lowered) != 1:
        lowered = char
    decomposed = unicodedata.normalize("NFD", lowered)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    return base if len(base) == 1 else lowered


class _FoldTable(dict[int, str]):
    """Code point -> folded character for ``str.translate``, each filled on first sight.

    Every message is folded several times (tokenizer, entity extractor, language detector), so
    this runs at C speed instead of a Python call per character. Bounded like the cache above:
    past the limit a character is folded without being remembered.
    """

    LIMIT = 8192

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code))
        if len(self) < self.LIMIT:
            self[code] = folded
        return folded


_FOLD_TABLE = _FoldTable()


def fold(text: str) -> str:
    """Lowercase and strip accents character by character; ``len(fold(t)) == len(t)``.

    An ASCII character has no accent to strip, so ASCII text is only lowercased.
    """
    if text.isascii():
        return text.lower()
    return text.translate(_FOLD_TABLE)


def normalise(text: str) -> str:
    """The form the classifier sees: folded, letter runs shortened, numbers generalised."""
    folded = fold(text)
    folded = _REPEATS.sub(r"\1", folded)
    folded = _DIGITS.sub("0", folded)
    if not _ABBREVIATED.isdisjoint(_WORDS.findall(folded)):  # most messages have none
        folded = _WORDS.sub(lambda m: ABBREVIATIONS.get(m.group(0), m.group(0)), folded)
    return " ".join(folded.split())


def tokenize(text: str) -> list[str]:
    """Whitespace-and-punctuation tokens (what Rasa's WhitespaceTokenizer keeps, roughly)."""
    return _TOKEN.findall(text)
