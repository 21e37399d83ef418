"""Measuring the intent classifier the way ``rasa test nlu`` does.

Used by ``deskbot nlu test`` (cross-validation over nlu/data) and ``bench/nlu.py`` (held-out
splits). A message that ends in ``nlu_fallback`` counts as a miss for accuracy: the person gets
"sorry, could you rephrase?" instead of help. The classifier's own first choice is kept as well
(``raw_pred``) so one can tell a wrong answer from a cautious one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sklearn.metrics import accuracy_score, classification_report, f1_score
from sklearn.model_selection import StratifiedKFold

from nlu.components.classifiers import FallbackClassifier
from nlu.pipeline import Pipeline
from nlu.training_data import Message, TrainingData

FALLBACK = FallbackClassifier.FALLBACK


@dataclass
class Evaluation:
    texts: list[str] = field(default_factory=list)
    true: list[str] = field(default_factory=list)
    pred: list[str] = field(default_factory=list)  # after the fallback
    raw_pred: list[str] = field(default_factory=list)  # the classifier's first choice

    def add(self, pipeline: Pipeline, messages: list[Message]) -> None:
        for message in messages:
            state = pipeline.process(message.text)
            ranking = [r["name"] for r in state.intent_ranking if r["name"] != FALLBACK]
            self.texts.append(message.text)
            self.true.append(message.intent or "")
            self.pred.append(state.intent["name"] or FALLBACK)
            self.raw_pred.append(ranking[0] if ranking else FALLBACK)

    def summary(self) -> dict[str, Any]:
        labels = sorted(set(self.true))
        per_intent = classification_report(
            self.true, self.pred, labels=labels, output_dict=True, zero_division=0
        )
        confusions = Counter(
            (t, p) for t, p in zip(self.true, self.pred, strict=True) if t != p
        )
        return {
            "examples": len(self.true),
            "accuracy": accuracy_score(self.true, self.pred),
            "macro_f1": f1_score(self.true, self.pred, labels=labels, average="macro",
                                 zero_division=0),
            "weighted_f1": f1_score(self.true, self.pred, labels=labels, average="weighted",
                                    zero_division=0),
            "accuracy_without_fallback": accuracy_score(self.true, self.raw_pred),
            "fallback_rate": self.pred.count(FALLBACK) / max(len(self.pred), 1),
            "per_intent": {
                label: {k: per_intent[label][k] for k in ("precision", "recall", "f1-score",
                                                          "support")}
                for label in labels
            },
            "confusions": [
                {"intent": t, "predicted": p, "count": n} for (t, p), n in confusions.most_common()
            ],
        }

    def errors(self) -> list[dict[str, str]]:
        return [
            {"text": x, "intent": t, "predicted": p}
            for x, t, p in zip(self.texts, self.true, self.pred, strict=True) if t != p
        ]


def cross_validate(
    data: TrainingData, pipeline: list[dict[str, Any]], folds: int = 5, seed: int = 0
) -> Evaluation:
    """Stratified k-fold: every example is predicted once by a model that never saw it."""
    examples = [m for m in data.examples if m.intent]
    labels = [m.intent for m in examples]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    evaluation = Evaluation()
    for train_idx, test_idx in splitter.split(examples, labels):
        model = Pipeline(pipeline).train(data.subset(examples[i] for i in train_idx))
        evaluation.add(model, [examples[i] for i in test_idx])
    return evaluation


def evaluate(model: Pipeline, messages: list[Message]) -> Evaluation:
    evaluation = Evaluation()
    evaluation.add(model, [m for m in messages if m.intent])
    return evaluation


def format_summary(summary: dict[str, Any], max_confusions: int = 10) -> str:
    """A plain-text report in the spirit of ``rasa test nlu``'s intent report."""
    lines = [
        f"examples:            {summary['examples']}",
        f"accuracy:            {summary['accuracy']:.3f}",
        f"macro F1:            {summary['macro_f1']:.3f}",
        f"weighted F1:         {summary['weighted_f1']:.3f}",
        f"accuracy w/o fallback: {summary['accuracy_without_fallback']:.3f}",
        f"fallback rate:       {summary['fallback_rate']:.3f}",
        "",
        f"{'intent':<20}{'precision':>10}{'recall':>10}{'f1-score':>10}{'support':>9}",
    ]
    for label, row in summary["per_intent"].items():
        lines.append(
            f"{label:<20}{row['precision']:>10.3f}{row['recall']:>10.3f}"
            f"{row['f1-score']:>10.3f}{int(row['support']):>9d}"
        )
    confusions = summary["confusions"][:max_confusions]
    if confusions:
        lines += ["", "most frequent confusions (intent -> predicted: count)"]
        lines += [f"  {c['intent']} -> {c['predicted']}: {c['count']}" for c in confusions]
    return "\n".join(lines)
