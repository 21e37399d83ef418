"""Everyday words of Spanish and English, so typo correction leaves real words alone.

The analyser corrects a word it does not know towards the knowledge base's vocabulary. Without
knowing the languages, it also "corrects" real words that sit one letter away from an IT word:
"land" becomes "lan", "card" becomes "car", "cliente" becomes "caliente", "llevar" "llegar".
The word-frequency lists that ship with pyspellchecker (tens of thousands of words per
language, from film subtitles and Wikipedia) say which words are real and frequent; the
analyser then only turns them into a close inflection ("broke" -> "broken", "sites" -> "site").
Loaded once per process; folded like the questions (no accents).
"""

from __future__ import annotations

from functools import lru_cache

from kb.text import fold

LANGUAGES = ("es", "en")
MIN_COUNT = 500  # rarer entries of the lists are names, slang and the lists' own noise


@lru_cache(maxsize=1)
def everyday_words() -> frozenset[str]:
    """Frequent words of the desk's languages, folded (empty when the lists are missing)."""
    try:
        from spellchecker import SpellChecker
    except ImportError:  # pragma: no cover - the dependency is declared; degrade, not fail
        return frozenset()
    known: set[str] = set()
    for language in LANGUAGES:
        counts = SpellChecker(language=language, distance=1).word_frequency.dictionary
        known.update(fold(w) for w, n in counts.items() if n >= MIN_COUNT)
    return frozenset(w for w in known if w and " " not in w)


def inflection(word: str, target: str) -> bool:
    """Whether ``target`` is ``word`` with an ending added or a plural ending dropped."""
    if target.startswith(word):
        return True
    return word.startswith(target) and word[len(target):] in ("s", "es")
