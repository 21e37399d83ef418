"""Sparse featurizers: CountVectorsFeaturizer (word or character n-grams) and RegexFeaturizer.

Character n-grams within word boundaries (``char_wb``) are what make typos and abbreviations
survivable; word bigrams catch "no funciona" vs "como funciona". The RegexFeaturizer adds one
feature per regex / lookup table that fires, so "INC-12" or "vpn" push towards the right intent
even in a message the classifier has never seen anything like.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

from nlu.components.base import Component, ParseState, PatternComponent, TrainState


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
