"""NLU fixtures: the real training data and config trained once per session into a tmp cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu import load_interpreter
from nlu.interpreter import Interpreter

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "config.yml"
DATA_DIR = ROOT / "nlu" / "data"
HELDOUT = ROOT / "bench" / "data" / "nlu_heldout.yml"

TINY_DATA = """\
version: "3.1"
nlu:
- intent: greet
  examples: |
    - hola
    - hello
    - hi there
    - buenos dias
- intent: report_problem
  examples: |
    - la [vpn](category) no conecta
    - my [printer](category) is broken
    - no me funciona el [correo](category)
    - the [wifi](category) is down
- synonym: network
  examples: |
    - vpn
    - wifi
- lookup: category
  examples: |
    - vpn
    - wifi
    - printer
    - correo
"""


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("nlu-model")


@pytest.fixture(scope="session")
def interpreter(model_cache: Path) -> Interpreter:
    result = load_interpreter(CONFIG, DATA_DIR, rasa_url="", cache_dir=model_cache)
    assert isinstance(result, Interpreter)
    return result


@pytest.fixture
def tiny_data(tmp_path: Path) -> Path:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "nlu.yml").write_text(TINY_DATA, encoding="utf-8")
    return data_dir


def write_config(
    path: Path, threshold: float = 0.3, ambiguity: float = 0.1, c: float = 1.0
) -> Path:
    """A small config.yml: fast char n-gram pipeline with the given fallback settings."""
    path.write_text(
        f"""\
language: es
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 2
    max_ngram: 4
  - name: LogisticRegressionClassifier
    C: {c}
  - name: RegexEntityExtractor
  - name: EntitySynonymMapper
  - name: FallbackClassifier
    threshold: {threshold}
    ambiguity_threshold: {ambiguity}
""",
        encoding="utf-8",
    )
    return path
