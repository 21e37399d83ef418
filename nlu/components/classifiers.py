"""Intent classifiers over the stacked sparse features, plus Rasa's FallbackClassifier.

``LogisticRegressionClassifier`` gives usable probabilities directly. ``SklearnIntentClassifier``
(Rasa's name) is a linear SVM calibrated into probabilities; it is sometimes a point better on
accuracy but slower to train. Both rank intents by confidence and keep ``ranking_length`` of them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC
from threadpoolctl import threadpool_limits

from nlu.components.base import (
    Component,
    ParseState,
    RowBlock,
    TrainState,
    stacked,
    stacked_row,
)


class _IntentClassifier(Component):
    def __init__(self, config: dict | None = None) -> None:
        super().__init__(config)
        self.model: Any = None

    def _build(self, n_examples: int) -> Any:
        raise NotImplementedError

    def train(self, state: TrainState) -> None:
        labels = state.labels
        if len(set(labels)) < 2:
            raise ValueError("intent classification needs at least two intents with examples")
        self.model = self._build(len(labels))
        # One BLAS thread: the solver's steps are small, and extra threads spin on a busy
        # machine (a desk process shares it with the web server): about 3x less CPU to train.
        with threadpool_limits(limits=1):
            self.model.fit(stacked(state.features), labels)

    def process(self, state: ParseState) -> None:
        if self.model is None:
            raise RuntimeError("classifier used before training")
        if not state.normalised.strip():  # nothing to classify; the fallback takes over
            return
        probs = self._probabilities(stacked(state.features))
        order = np.argsort(-probs)
        ranking = [
            {"name": str(self.model.classes_[i]), "confidence": float(probs[i])} for i in order
        ]
        limit = int(self.config.get("ranking_length") or 0)
        state.intent_ranking = ranking[:limit] if limit > 0 else ranking
        state.intent = dict(ranking[0])

    def process_fast(self, state: ParseState) -> None:
        """``process`` over the stacked row's nonzeros; same ranking, same confidences."""
        if self.model is None:
            raise RuntimeError("classifier used before training")
        if not state.normalised.strip():
            return
        probs = self._row_probabilities(*stacked_row(state.features))
        names: list[str] | None = self.__dict__.get("_fast_names")
        if names is None:
            names = self._fast_names = [str(c) for c in self.model.classes_]
        order: list[int] = np.argsort(-probs).tolist()  # the same sort as ``process``
        limit = int(self.config.get("ranking_length") or 0)
        if limit > 0:
            order = order[:limit]
        confidences: list[float] = probs.tolist()
        state.intent_ranking = [{"name": names[i], "confidence": confidences[i]} for i in order]
        state.intent = dict(state.intent_ranking[0])

    def _probabilities(self, features: Any) -> np.ndarray:
        return np.asarray(self.model.predict_proba(features)[0])

    def _row_probabilities(self, columns: np.ndarray, values: np.ndarray, width: int
                           ) -> np.ndarray:
        """Probabilities for a stacked row; by default scikit-learn's, on a CSR row of it."""
        return self._probabilities(RowBlock(columns, values, width).to_csr())


def _softmax(scores: np.ndarray) -> np.ndarray:
    """The softmax of ``scores``, computed in place (the caller's own array, no copies)."""
    scores -= scores.max()
    np.exp(scores, out=scores)
    scores /= scores.sum()
    return scores


class LogisticRegressionClassifier(_IntentClassifier):
    name = "LogisticRegressionClassifier"
    # Rasa's defaults (balanced classes, fixed seed); ``C`` is read by this engine only.
    defaults = {"max_iter": 100, "solver": "lbfgs", "tol": 1e-4, "random_state": 42,
                "C": 1.0, "class_weight": "balanced", "ranking_length": 10}

    def _build(self, n_examples: int) -> Any:
        cfg = self.config
        return LogisticRegression(C=float(cfg["C"]), max_iter=int(cfg["max_iter"]),
                                  solver=cfg["solver"], tol=float(cfg["tol"]),
                                  random_state=cfg["random_state"],
                                  class_weight=cfg["class_weight"])

    def _probabilities(self, features: Any) -> np.ndarray:
        """The multinomial model's softmax, computed straight from its weights.

        Same numbers as ``predict_proba`` without scikit-learn's per-call input validation,
        which costs more than the arithmetic for one short message (parse p99 matters: every
        turn waits on it).
        """
        if len(self.model.classes_) < 3:
            return super()._probabilities(features)
        scores = np.asarray(features @ self.model.coef_.T).ravel() + self.model.intercept_
        return _softmax(scores)

    def _row_probabilities(self, columns: np.ndarray, values: np.ndarray, width: int
                           ) -> np.ndarray:
        """The softmax of ``coef_ . x + intercept_`` over x's nonzeros only.

        The weights are kept transposed (one row per feature), so the message's features pick
        their rows; the rows are summed one after another in column order, which is what the
        sparse product in ``_probabilities`` does, so the scores match it to the last bit.
        """
        fast: tuple[np.ndarray, np.ndarray] | bool | None = self.__dict__.get("_fast")
        if fast is None:
            coef = np.asarray(self.model.coef_)
            fast = self._fast = (
                (np.ascontiguousarray(coef.T, dtype=np.float64),
                 np.asarray(self.model.intercept_, dtype=np.float64))
                if len(self.model.classes_) >= 3 and coef.dtype == np.float64 else False
            )
        if fast is False or width != fast[0].shape[0]:  # type: ignore[index]
            return super()._row_probabilities(columns, values, width)
        weights, intercept = fast  # type: ignore[misc]
        if len(columns):
            picked = weights.take(columns, axis=0)
            np.multiply(picked, values[:, None], out=picked)
            scores = np.add.reduce(picked, axis=0)  # row after row, in order
            scores += intercept
        else:
            scores = np.zeros(len(intercept)) + intercept
        return _softmax(scores)


class SklearnIntentClassifier(_IntentClassifier):
    name = "SklearnIntentClassifier"
    defaults = {"C": 1.0, "max_cross_validation_folds": 5, "class_weight": "balanced",
                "ranking_length": 10, "random_state": 0}

    def _build(self, n_examples: int) -> Any:
        cfg = self.config
        c_value = cfg["C"][0] if isinstance(cfg["C"], list) else cfg["C"]
        svm = LinearSVC(C=float(c_value), class_weight=cfg["class_weight"],
                        random_state=cfg["random_state"])
        return CalibratedClassifierCV(svm, cv=int(cfg["max_cross_validation_folds"]),
                                      method="sigmoid")


class FallbackClassifier(Component):
    """Rasa semantics: low or ambiguous top intent becomes ``nlu_fallback`` at ``threshold``."""

    name = "FallbackClassifier"
    defaults = {"threshold": 0.3, "ambiguity_threshold": 0.1}
    FALLBACK = "nlu_fallback"

    def is_uncertain(self, ranking: list[dict[str, Any]]) -> bool:
        if not ranking:
            return True
        top = ranking[0]["confidence"]
        if top < float(self.config["threshold"]):
            return True
        second = ranking[1]["confidence"] if len(ranking) > 1 else 0.0
        return top - second < float(self.config["ambiguity_threshold"])

    def process(self, state: ParseState) -> None:
        if not self.is_uncertain(state.intent_ranking):
            return
        fallback = {"name": self.FALLBACK, "confidence": float(self.config["threshold"])}
        state.intent = dict(fallback)
        state.intent_ranking = [fallback] + [
            r for r in state.intent_ranking if r["name"] != self.FALLBACK
        ]
