"""The fast parse answers exactly what the scikit-learn path answers, for any text.

``Interpreter.parse`` skips scipy matrices and scikit-learn's per-call checks; a person must never
see a different intent, confidence or entity because of it. Each text is parsed both ways (and the
fast way twice, so cached word features are used as well as computed).
"""

from __future__ import annotations

import pickle
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nlu import load_interpreter
from nlu.components.base import stacked
from nlu.components.classifiers import LogisticRegressionClassifier
from nlu.components.extractors import RegexEntityExtractor
from nlu.config import load_nlu_config
from nlu.interpreter import Interpreter
from nlu.patterns import is_lowercase_ascii, lowercase_twin
from nlu.pipeline import Pipeline
from nlu.text import fold
from nlu.training_data import load_data
from tests.nlu.conftest import DATA_DIR, HELDOUT

ODD_TEXTS = [
    "", " ", "\n\t ", "?", "¿¿??", "!!!", "...", "0", "12345", "3.14", "-1", "🙂",
    "🔥🔥🔥 no sirve",
    "👍", "\u200b", "a", "q", "x", "ok", "OK!!!", "holaaaaaa", "HOLA", "ÀÉÎÕÜ ñandú", "İstanbul",
    "ΣΊΣΥΦΟΣ σας", "中文消息", "مرحبا", "INC-12", "inc 12", "inc-012", "REQ#7 status?", "SEC-3",
    "el ticket 45", "ticket #0045 sigue abierto", "INC-12 INC-13 y REQ-4", "inc12",
    "hola my laptop no prende y tengo meeting", "mi contrasenia no funsiona", "pasword reset plz",
    "xq no jala el wifi", "porfa ayudame con la vpn asap", "the printer on floor 3 is jammed",
    "no puedo entrar a mi correo, dice contraseña incorrecta", "quiero hablar con una persona",
    "<@U123ABC> help", "https://example.com/a?b=c no abre", "`sudo apt update` falla",
    "correo@empresa.com no recibe mensajes", "outlook\tse\tcierra\nsolo", "gracias!!! 🙏",
    "my account is locked again, urgent!!!", "la impresora del piso 3 no imprime desde ayer",
    "contraseña CONTRASEÑA contrasena", "wifi wifi wifi wifi", "vpn" * 40, "a" * 5000,
    " ".join(["la vpn no conecta desde ayer y es urgente"] * 150),
    "supercalifragilisticexpialidocious" * 5, "x" * 70 + " mas de sesenta y cuatro letras",
]


def _random_texts(count: int, seed: int = 7) -> list[str]:
    """Strings no one wrote: letters, accents, digits, punctuation, emoji and spaces mixed."""
    alphabet = "abcdefghijklmnopqrstuvwxyzñáéíóúüABCDEFGHIJKLMNÑOPQRSTUVWXYZ0123456789" \
               "-_#@+.,;:!?¿¡'\"()[] \t🙂🔥"
    words = ["vpn", "wifi", "correo", "no", "funciona", "password", "ticket", "inc-7", "hola",
             "gracias", "printer", "laptop", "urgente", "help", "cuenta", "bloqueada"]
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        parts = [rng.choice(words) if rng.random() < 0.5 else
                 "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
                 for _ in range(rng.randint(1, 12))]
        texts.append(" ".join(parts))
    return texts


def _assert_same(fast: dict[str, Any], reference: dict[str, Any]) -> None:
    text = reference["text"]
    assert fast["text"] == text
    assert fast["language"] == reference["language"], text
    assert fast["entities"] == reference["entities"], text
    names = [r["name"] for r in fast["intent_ranking"]]
    assert names == [r["name"] for r in reference["intent_ranking"]], text
    for got, wanted in zip(fast["intent_ranking"], reference["intent_ranking"], strict=True):
        assert got["confidence"] == pytest.approx(wanted["confidence"], abs=1e-9), text
    assert fast["intent"]["name"] == reference["intent"]["name"], text
    assert fast["intent"]["confidence"] == pytest.approx(
        reference["intent"]["confidence"], abs=1e-9), text


def _compare(interpreter: Interpreter, texts: list[str]) -> None:
    for text in texts:
        reference = interpreter.parse(text, reference=True)
        _assert_same(interpreter.parse(text), reference)
        _assert_same(interpreter.parse(text), reference)  # second time from the word cache


def test_fast_parse_matches_reference_on_the_training_examples(interpreter: Interpreter) -> None:
    texts = [m.text for m in load_data(DATA_DIR).examples]
    assert len(texts) > 500
    _compare(interpreter, texts)


def test_fast_parse_matches_reference_on_unseen_and_odd_texts(interpreter: Interpreter) -> None:
    heldout = [m.text for m in load_data(HELDOUT).examples]
    _compare(interpreter, heldout + ODD_TEXTS + _random_texts(300))


def test_fast_confidences_are_scikit_learns_predict_proba(interpreter: Interpreter) -> None:
    """Not only the engine's own reference: the model's ``predict_proba`` on the stacked row."""
    pipeline = interpreter.pipeline
    (classifier,) = [c for c in pipeline.components
                     if isinstance(c, LogisticRegressionClassifier)]
    for text in ODD_TEXTS[20:] + _random_texts(40, seed=3):
        state = pipeline.process(text, reference=True)
        proba = classifier.model.predict_proba(stacked(state.features))[0]
        expected = dict(zip(map(str, classifier.model.classes_), proba.tolist(), strict=True))
        ranking = [r for r in interpreter.parse(text)["intent_ranking"]
                   if r["name"] != "nlu_fallback"]
        assert ranking or not text.strip(), text
        for row in ranking:
            assert row["confidence"] == pytest.approx(expected[row["name"]], abs=1e-9), text
        confidences = [r["confidence"] for r in ranking]
        assert confidences == sorted(confidences, reverse=True)
        assert len(ranking) == min(10, len(expected))


THREE_INTENTS = """\
version: "3.1"
nlu:
- intent: greet
  examples: |
    - hola
    - hello
    - hi there
    - buenos dias
    - buenas tardes
- intent: report_problem
  examples: |
    - la [vpn](category) no conecta
    - my [printer](category) is broken
    - no me funciona el [correo](category)
    - the [wifi](category) is down
    - se cae la [vpn](category)
- intent: thanks
  examples: |
    - gracias
    - thanks
    - muchas gracias
    - thank you
    - te lo agradezco
- regex: ticket_key
  examples: |
    - \\b(inc|req|sec)[-# ]?\\d+\\b
- lookup: category
  examples: |
    - vpn
    - wifi
    - printer
    - correo
"""


def _config(path: Path, classifier: str, use_tfidf: bool) -> Path:
    path.write_text(
        f"""\
language: es
pipeline:
  - name: WhitespaceTokenizer
  - name: RegexFeaturizer
  - name: CountVectorsFeaturizer
    use_tfidf: {str(use_tfidf).lower()}
    min_ngram: 1
    max_ngram: 2
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 2
    max_ngram: 4
    use_tfidf: {str(use_tfidf).lower()}
  - name: {classifier}
    max_cross_validation_folds: 2
  - name: RegexEntityExtractor
  - name: EntitySynonymMapper
  - name: FallbackClassifier
    threshold: 0.3
""",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("classifier", "use_tfidf", "intents"),
    [
        ("LogisticRegressionClassifier", True, 3),  # tf-idf, l2 norm, computed without scipy
        ("LogisticRegressionClassifier", False, 2),  # binary: scikit-learn's own probabilities
        ("SklearnIntentClassifier", True, 3),  # calibrated SVM: scikit-learn on the fast row
    ],
)
def test_fast_parse_matches_reference_in_other_pipelines(
    tmp_path: Path, classifier: str, use_tfidf: bool, intents: int
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    text = THREE_INTENTS
    if intents == 2:
        text = text[: text.index("- intent: thanks")] + text[text.index("- regex:"):]
    (data / "nlu.yml").write_text(text, encoding="utf-8")
    config = _config(tmp_path / "config.yml", classifier, use_tfidf)
    result = load_interpreter(config, data, rasa_url="", cache_dir=None)
    assert isinstance(result, Interpreter)
    assert len(result.parse("hola")["intent_ranking"]) >= intents
    _compare(result, ODD_TEXTS + _random_texts(60, seed=11) + ["gracias", "la vpn no conecta"])


def test_fast_tables_stay_out_of_the_cached_model(tmp_path: Path) -> None:
    """The pickled model holds what training produced; the fast path's tables are rebuilt."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "nlu.yml").write_text(THREE_INTENTS, encoding="utf-8")
    config = load_nlu_config(_config(tmp_path / "config.yml", "LogisticRegressionClassifier",
                                     True))
    pipeline = Pipeline(config.pipeline).train(load_data(data))
    before = pipeline.process("la vpn no conecta")
    copy = pickle.loads(pickle.dumps(pipeline))
    assert not any(k.startswith("_fast") for c in copy.components for k in vars(c))
    after = copy.process("la vpn no conecta")
    assert after.intent_ranking == before.intent_ranking
    assert np.isclose(after.intent["confidence"], before.intent["confidence"], atol=1e-12)


def test_lookup_tables_match_the_same_spans_without_ignorecase_on_lowercase_ascii(
    interpreter: Interpreter,
) -> None:
    """The fast path runs a lookup table case-sensitively over lowercase ASCII text; the spans
    must be the ones the case-insensitive pattern finds, elements glued to words or not."""
    data = load_data(DATA_DIR)
    elements = [fold(e) for table in data.lookup_tables for e in table["elements"]]
    (extractor,) = [c for c in interpreter.pipeline.components
                    if isinstance(c, RegexEntityExtractor)]
    twins = [(p, lowercase_twin(p)) for _, p in extractor.patterns]
    assert any(twin is not None for _, twin in twins)
    rng = random.Random(5)
    glue = [" ", "", "-", ".", ",", "_", "x", "9", "  ", "'", "/", "s", "es"]
    checked = 0
    for _ in range(3000):
        text = "".join(rng.choice(glue) + rng.choice(elements + ["la", "no", "my"])
                       for _ in range(rng.randint(1, 6))) + rng.choice(glue)
        if not is_lowercase_ascii(text):
            continue
        checked += 1
        for pattern, twin in twins:
            if twin is not None:
                assert ([m.span() for m in twin.finditer(text)]
                        == [m.span() for m in pattern.finditer(text)]), text
    assert checked > 1000
