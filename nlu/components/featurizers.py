"""Sparse featurizers: CountVectorsFeaturizer (word or character n-grams) and RegexFeaturizer.

Character n-grams within word boundaries (``char_wb``) are what make typos and abbreviations
survivable; word bigrams catch "no funciona" vs "como funciona". The RegexFeaturizer adds one
feature per regex / lookup table that fires, so "INC-12" or "vpn" push towards the right intent
even in a message the classifier has never seen anything like.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from itertools import chain, repeat

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

from nlu.components.base import Component, ParseState, PatternComponent, RowBlock, TrainState

_NO_COLUMNS = np.zeros(0, dtype=np.intp)
_NO_VALUES = np.zeros(0, dtype=np.float64)
_NO_COLUMNS.flags.writeable = _NO_VALUES.flags.writeable = False  # shared by every empty row


#: Words longer than this are not remembered by the char n-gram cache (memory stays bounded).
_CACHED_WORD_MAX = 32


def _word_ngrams(tokens: list[str], least: int, most: int) -> list[str]:
    """The ``least``- to ``most``-word n-grams of ``tokens`` (every occurrence), as
    ``CountVectorizer`` joins them: words separated by one space."""
    if least == 1:
        grams = list(tokens)
        least = 2
    else:
        grams = []
    for size in range(least, min(most, len(tokens)) + 1):
        grams.extend(" ".join(tokens[i:i + size]) for i in range(len(tokens) - size + 1))
    return grams


class _CountRow:
    """What ``CountVectorizer.transform`` (and ``TfidfTransformer.transform``) compute for one
    document, taken from the fitted objects once: the analyzer, the vocabulary, idf and norm.

    Per message: the n-grams' vocabulary columns, sorted and counted, then, when tf-idf is on,
    ``1 + log(tf)``, times idf, divided by the l2 norm summed in column order, as scikit-learn's
    CSR code does. No scipy matrix is built. ``char_wb`` n-grams never cross a space, so a
    word's columns are remembered: the same words come back in message after message.
    """

    def __init__(self, vectorizer: CountVectorizer, tfidf: TfidfTransformer | None) -> None:
        self.analyze: Callable[[str], list[str]] = vectorizer.build_analyzer()
        self.vocabulary: dict[str, int] = dict(vectorizer.vocabulary_)
        self.width = len(self.vocabulary)
        self.binary = bool(vectorizer.binary)
        self.sublinear = bool(tfidf is not None and tfidf.sublinear_tf)
        self.idf: np.ndarray | None = (
            np.asarray(tfidf.idf_, dtype=np.float64)
            if tfidf is not None and hasattr(tfidf, "idf_") else None
        )
        self.l2 = tfidf is not None and tfidf.norm == "l2"
        # Per word only when the analyzer sees each word alone: no document-wide preprocessing.
        self.by_word = (vectorizer.analyzer == "char_wb" and vectorizer.input == "content"
                        and not vectorizer.lowercase and vectorizer.strip_accents is None
                        and vectorizer.preprocessor is None)
        self.word_columns = lru_cache(maxsize=8192)(self._word_columns)
        # Word n-grams of whitespace-separated tokens with nothing else configured, as this
        # desk's config.yml asks: the analyzer's tokenising regex finds what ``str.split`` does
        # (both split at what ``str.isspace`` calls whitespace), so the n-grams are joined here
        # without scikit-learn's per-call steps.
        self.split_ngrams: tuple[int, int] | None = (
            (int(vectorizer.ngram_range[0]), int(vectorizer.ngram_range[1]))
            if vectorizer.analyzer == "word" and vectorizer.token_pattern == r"(?u)[^\s]+"
            and vectorizer.input == "content" and vectorizer.tokenizer is None
            and vectorizer.preprocessor is None and vectorizer.stop_words is None
            and not vectorizer.lowercase and vectorizer.strip_accents is None
            and vectorizer.ngram_range[0] >= 1 else None
        )

    @staticmethod
    def covers(vectorizer: CountVectorizer, tfidf: TfidfTransformer | None) -> bool:
        """Whether this class reproduces the pair; anything else keeps scikit-learn's path."""
        dtype = np.dtype(vectorizer.dtype)
        if dtype.kind not in "iu" and dtype != np.float64:
            return False
        return tfidf is None or tfidf.norm in (None, "l2")

    def _word_columns(self, word: str) -> tuple[int, ...]:
        """The known columns of one word's n-grams, repeated as often as the n-gram occurs."""
        get = self.vocabulary.get
        return tuple(j for j in map(get, self.analyze(word), repeat(-1)) if j >= 0)

    def _columns(self, document: str) -> list[int]:
        """Every known n-gram's column, once per occurrence, in no particular order."""
        if self.by_word:
            cached, direct = self.word_columns, self._word_columns
            return list(chain.from_iterable(
                cached(w) if len(w) <= _CACHED_WORD_MAX else direct(w) for w in document.split()
            ))
        grams = (_word_ngrams(document.split(), *self.split_ngrams) if self.split_ngrams
                 else self.analyze(document))
        return [j for j in map(self.vocabulary.get, grams) if j is not None]

    def block(self, document: str) -> RowBlock:
        found = self._columns(document)
        if not found:
            return RowBlock(_NO_COLUMNS, _NO_VALUES, self.width)
        ids = np.array(found, dtype=np.intp)
        ids.sort()
        # Where a run of equal columns starts (and the end): one column each, its count.
        size = len(ids)
        edges = np.empty(size + 1, dtype=bool)
        edges[0] = edges[size] = True
        np.not_equal(ids[1:], ids[:-1], out=edges[1:size])
        bounds = edges.nonzero()[0]
        columns = ids[bounds[:-1]]
        if self.binary:
            values = np.ones(len(columns), dtype=np.float64)
        else:
            values = (bounds[1:] - bounds[:-1]).astype(np.float64)
        if self.sublinear:
            np.log(values, out=values)
            values += 1.0
        if self.idf is not None:
            values *= self.idf[columns]
        if self.l2:
            # Summed one term after another, as sklearn's inplace_csr_row_normalize_l2 does.
            total = float(np.add.accumulate(values * values)[-1])
            if total != 0.0:
                values /= math.sqrt(total)
        return RowBlock(columns, values, self.width)


class CountVectorsFeaturizer(Component):
    name = "CountVectorsFeaturizer"
    defaults = {
        "analyzer": "word",
        "min_ngram": 1,
        "max_ngram": 1,
        "min_df": 1,
        "max_df": 1.0,
        "max_features": None,
        # Not in Rasa: scale counts (sublinear tf-idf, l2) so long messages do not dominate.
        "use_tfidf": False,
    }

    def __init__(self, config: dict | None = None) -> None:
        super().__init__(config)
        self.vectorizer: CountVectorizer | None = None
        self.tfidf: TfidfTransformer | None = None

    def train(self, state: TrainState) -> None:
        cfg = self.config
        self.vectorizer = CountVectorizer(
            analyzer=cfg["analyzer"],
            ngram_range=(int(cfg["min_ngram"]), int(cfg["max_ngram"])),
            min_df=cfg["min_df"],
            max_df=cfg["max_df"],
            max_features=cfg["max_features"],
            lowercase=False,  # the tokenizer already normalised the text
            token_pattern=r"(?u)[^\s]+" if cfg["analyzer"] == "word" else None,
        )
        counts = self.vectorizer.fit_transform(state.texts)
        if cfg["use_tfidf"]:
            self.tfidf = TfidfTransformer(sublinear_tf=True)
            counts = self.tfidf.fit_transform(counts)
        state.features.append(sp.csr_matrix(counts))

    def process(self, state: ParseState) -> None:
        assert self.vectorizer is not None, "featurizer used before training"
        counts = self.vectorizer.transform([state.normalised])
        if self.tfidf is not None:
            counts = self.tfidf.transform(counts)
        state.features.append(sp.csr_matrix(counts))

    def process_fast(self, state: ParseState) -> None:
        assert self.vectorizer is not None, "featurizer used before training"
        fast: _CountRow | bool | None = self.__dict__.get("_fast")
        if fast is None:
            covered = _CountRow.covers(self.vectorizer, self.tfidf)
            fast = self._fast = _CountRow(self.vectorizer, self.tfidf) if covered else False
        if fast is False:
            self.process(state)
            return
        assert isinstance(fast, _CountRow)
        state.features.append(fast.block(state.normalised))


class RegexFeaturizer(PatternComponent):
    name = "RegexFeaturizer"

    def _vector(self, normalised: str) -> sp.csr_matrix:
        row = np.array([[1.0 if p.search(normalised) else 0.0 for _, p in self.patterns]])
        return sp.csr_matrix(row)

    def train(self, state: TrainState) -> None:
        self.compile(state)
        rows = [self._vector(text) for text in state.texts]
        state.features.append(sp.vstack(rows, format="csr") if rows else sp.csr_matrix((0, 0)))

    def process(self, state: ParseState) -> None:
        state.features.append(self._vector(state.normalised))

    def process_fast(self, state: ParseState) -> None:
        text = state.normalised
        hits = [n for n, _, pattern in self.patterns_for(text) if pattern.search(text)]
        state.features.append(
            RowBlock(np.array(hits, dtype=np.intp), np.ones(len(hits), dtype=np.float64),
                     len(self.patterns)) if hits
            else RowBlock(_NO_COLUMNS, _NO_VALUES, len(self.patterns)))
