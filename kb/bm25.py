"""BM25F over the matcher's analysed tokens: how strongly an article's text is about the words of
a message, with the title and questions weighing more than the body.

The matcher's other signals ask whether an article *accounts for* the message; this one also
rewards repetition and short, focused fields, which is what separates two articles that both
mention "wifi" (the guest network and the one that keeps dropping). The value is normalised by
what a perfect article would score for that message, so it reads 0-1 on any knowledge base.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

K1, B = 1.2, 0.75
_K1_1 = K1 + 1  # the same double ``K1 + 1`` gives, computed once


class FieldBM25:
    def __init__(self, documents: Sequence[Sequence[tuple[Sequence[str], float]]]) -> None:
        """``documents``: per article, its fields as (tokens, weight)."""
        self._tf: list[dict[str, float]] = []
        lengths: list[float] = []
        df: dict[str, int] = {}
        for fields in documents:
            tf: dict[str, float] = {}
            length = 0.0
            for tokens, weight in fields:
                for token in tokens:
                    tf[token] = tf.get(token, 0.0) + weight
                length += weight * len(tokens)
            self._tf.append(tf)
            lengths.append(length)
            for token in tf:
                df[token] = df.get(token, 0) + 1
        total = max(len(self._tf), 1)
        self._average = (sum(lengths) / total) or 1.0
        self._norm = [K1 * (1 - B + B * length / self._average) for length in lengths]
        self._idf = {t: math.log(1 + (total - n + 0.5) / (n + 0.5)) for t, n in df.items()}
        self._rarest = math.log(1 + (total - 0.5) / 1.5)  # a word no article has weighs this

    def weight(self, group: frozenset[str]) -> float:
        return max((self._idf.get(t, self._rarest) for t in group), default=0.0)

    def query(self, groups: Sequence[frozenset[str]]) -> tuple[list[list[tuple[str, float]]],
                                                                 float]:
        """A message's groups with each known token's IDF, and the best score possible (once per
        message, then ``score`` for each candidate article)."""
        prepared = [[(t, self._idf[t]) for t in group if t in self._idf] for group in groups]
        best = sum(self.weight(group) for group in groups) * (K1 + 1)
        return prepared, best

    def score(self, article: int, query: tuple[list[list[tuple[str, float]]], float]) -> float:
        """0-1: this article's BM25F for the message over the best any article could get."""
        prepared, best = query
        if not best:
            return 0.0
        tf, norm = self._tf[article], self._norm[article]
        got = 0.0
        # Runs for every shortlisted article of every message: plain loops instead of max() over
        # a generator. Each term is positive (idf > 0, tf > 0), so starting a group's best at 0.0
        # gives max(..., default=0.0) exactly, and the sum runs in the same order.
        for group in prepared:
            top = 0.0
            for t, idf in group:
                f = tf.get(t)
                if f is not None:
                    term = idf * f * _K1_1 / (f + norm)
                    if term > top:
                        top = term
            got += top
        return got / best
