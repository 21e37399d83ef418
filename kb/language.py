"""Guesses which language a message is written in, from the knowledge base's own words.

Only used to put the asker's language first when an answer exists in both languages with the
same score; a wrong guess therefore costs nothing but the order of two equal suggestions.
"""

from __future__ import annotations

from collections.abc import Iterable

from kb.article import Article
from kb.text import words

MARGIN = 0.5  # how much more one language must weigh before we call it


class LanguageGuesser:
    """Relative frequency of every word in each language's articles ("no" is mostly es)."""

    def __init__(self, articles: Iterable[Article]) -> None:
        counts: dict[str, dict[str, int]] = {}
        totals: dict[str, int] = {}
        for article in articles:
            text = " ".join((*article.phrasings, *article.tags, article.body))
            for word in words(text):
                per = counts.setdefault(word, {})
                per[article.language] = per.get(article.language, 0) + 1
                totals[article.language] = totals.get(article.language, 0) + 1
        # each word's (language, share) pairs, in the order its languages were first seen
        self._shares: dict[str, tuple[tuple[str, float], ...]] = {}
        for word, per in counts.items():
            rates = {lang: n / totals[lang] for lang, n in per.items()}
            whole = sum(rates.values())
            self._shares[word] = tuple((lang, rate / whole) for lang, rate in rates.items())

    def guess(self, text: str) -> str | None:
        """The probable language of ``text``, or None when unclear."""
        return self.guess_words(words(text))

    def guess_words(self, folded: Iterable[str]) -> str | None:
        """``guess`` for a text already folded into words (``kb.text.words``): the matcher
        folds a message once for its analysis and this guess."""
        votes: dict[str, float] = {}
        shares = self._shares
        for word in folded:
            per = shares.get(word)
            if per is not None:
                for language, share in per:
                    votes[language] = votes.get(language, 0.0) + share
        if not votes:
            return None
        ranked = sorted(votes.items(), key=lambda kv: -kv[1])
        if len(ranked) > 1 and ranked[0][1] - ranked[1][1] < MARGIN:
            return None
        return ranked[0][0]
