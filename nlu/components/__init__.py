"""Pipeline components, looked up by the ``name`` config.yml gives them (Rasa's names)."""

from __future__ import annotations

from nlu.components.base import Component, ParseState, TrainState
from nlu.components.classifiers import (
    FallbackClassifier,
    LogisticRegressionClassifier,
    SklearnIntentClassifier,
)
from nlu.components.extractors import EntitySynonymMapper, RegexEntityExtractor
from nlu.components.featurizers import CountVectorsFeaturizer, RegexFeaturizer
from nlu.components.tokenizers import WhitespaceTokenizer

REGISTRY: dict[str, type[Component]] = {
    cls.name: cls
    for cls in (
        WhitespaceTokenizer,
        RegexFeaturizer,
        CountVectorsFeaturizer,
        LogisticRegressionClassifier,
        SklearnIntentClassifier,
        RegexEntityExtractor,
        EntitySynonymMapper,
        FallbackClassifier,
    )
}

__all__ = ["REGISTRY", "Component", "ParseState", "TrainState"]
