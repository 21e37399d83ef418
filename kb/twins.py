"""Twins: the same answer written in both languages, found without being told.

Used to put the asker's language first when an article and its translation score alike.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kb.article import Article

TWIN_SIMILARITY = 0.4  # least share of concept tokens two articles need to count as twins


def twins(
    articles: Sequence[Article], bags: Sequence[frozenset[str]], postings: dict[str, np.ndarray]
) -> dict[int, int]:
    """Pairs of articles in different languages that answer the same thing.

    Two articles are twins when each is the other's most similar article in the other language
    (Jaccard share of their title, question and tag concepts) and they share at least
    ``TWIN_SIMILARITY`` of them; a near topic in the other language ("Teams audio" and "Zoom
    audio") is never both articles' closest, so it is not mistaken for a translation. Shared
    tokens are counted through the inverted index, so this stays cheap for a large base.
    """
    languages = np.asarray([a.language for a in articles])
    sizes = np.asarray([len(b) for b in bags], dtype=np.float64)
    closest: dict[int, tuple[float, int]] = {}
    for a, bag in enumerate(bags):
        shared = np.zeros(len(articles))
        for token in bag:
            shared[postings[token]] += 1
        shared[languages == languages[a]] = 0
        if not shared.any():
            continue
        similarity = shared / np.maximum(sizes + sizes[a] - shared, 1.0)
        b = int(np.argmax(similarity))
        closest[a] = (float(similarity[b]), b)
    return {
        a: b for a, (value, b) in closest.items()
        if value >= TWIN_SIMILARITY and closest.get(b, (0.0, -1))[1] == a
    }
