"""The ``language`` and ``pipeline`` sections of config.yml, read on their own.

``nlu`` does not depend on the desk's settings object: it takes a path and reads only what Rasa
would read from that file, so the same config.yml trains a Rasa server unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

PACKAGE_DIR = Path(__file__).resolve().parent
ROOT = PACKAGE_DIR.parent
DEFAULT_CONFIG = ROOT / "config.yml"
DEFAULT_DATA_DIR = PACKAGE_DIR / "data"
DEFAULT_CACHE_DIR = PACKAGE_DIR / ".model"

DEFAULT_PIPELINE: list[dict[str, Any]] = [
    {"name": "WhitespaceTokenizer"},
    {"name": "RegexFeaturizer"},
    {"name": "CountVectorsFeaturizer", "analyzer": "word", "min_ngram": 1, "max_ngram": 2},
    {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 2, "max_ngram": 5},
    {"name": "LogisticRegressionClassifier", "max_iter": 500},
    {"name": "RegexEntityExtractor"},
    {"name": "EntitySynonymMapper"},
    {"name": "FallbackClassifier", "threshold": 0.35, "ambiguity_threshold": 0.05},
]


class NluConfigError(ValueError):
    """config.yml's pipeline cannot be built (unknown component, bad value)."""


@dataclass(frozen=True)
class NluConfig:
    language: str = "es"
    pipeline: list[dict[str, Any]] = field(default_factory=lambda: list(DEFAULT_PIPELINE))


def load_nlu_config(path: Path | str | None = None) -> NluConfig:
    """Read ``language``/``pipeline``; a missing file or section falls back to the defaults."""
    config_path = Path(path) if path else DEFAULT_CONFIG
    if not config_path.exists():
        if path:
            raise NluConfigError(f"config file not found: {config_path}")
        return NluConfig()
    raw = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    pipeline = raw.get("pipeline") or DEFAULT_PIPELINE
    if not isinstance(pipeline, list) or not all(
        isinstance(c, dict) and "name" in c for c in pipeline
    ):
        raise NluConfigError(f"{config_path}: 'pipeline' must be a list of {{name: ...}} items")
    return NluConfig(language=str(raw.get("language") or "es"), pipeline=pipeline)
