"""What a message parses to: Rasa's /model/parse shape, entities, fallback."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu import load_interpreter
from nlu.components import ParseState
from nlu.components.classifiers import FallbackClassifier
from nlu.interpreter import Interpreter
from tests.nlu.conftest import write_config

ENTITY_KEYS = {"entity", "start", "end", "value", "confidence_entity", "extractor"}


def _entities(result: dict, name: str) -> list[str]:
    return [e["value"] for e in result["entities"] if e["entity"] == name]


def test_parse_answers_in_rasa_model_parse_shape(interpreter: Interpreter) -> None:
    text = "la vpn no conecta desde ayer, es urgente"
    result = interpreter.parse(text)
    assert set(result) == {"text", "intent", "entities", "intent_ranking", "language"}
    assert result["text"] == text
    assert set(result["intent"]) == {"name", "confidence"}
    assert result["intent"]["name"] == "report_problem"
    assert isinstance(result["intent"]["confidence"], float)
    ranking = result["intent_ranking"]
    assert ranking[0] == result["intent"]
    assert all(set(r) == {"name", "confidence"} for r in ranking)
    confidences = [r["confidence"] for r in ranking]
    assert confidences == sorted(confidences, reverse=True)
    assert len(ranking) == 10  # Rasa's default ranking_length
    for entity in result["entities"]:
        assert ENTITY_KEYS <= set(entity) <= ENTITY_KEYS | {"processors"}
        assert entity["extractor"] == "RegexEntityExtractor"
        assert 0 <= entity["start"] < entity["end"] <= len(text)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("como va mi ticket INC-12?", "INC-12"),
        ("status of inc 12 please", "INC-12"),
        ("que paso con el inc-012", "INC-12"),
        ("any news on req#7", "REQ-7"),
        ("Sec-3 sigue abierto?", "SEC-3"),
    ],
)
def test_ticket_keys_are_found_and_normalised(
    interpreter: Interpreter, text: str, key: str
) -> None:
    result = interpreter.parse(text)
    (entity,) = [e for e in result["entities"] if e["entity"] == "ticket_key"]
    assert entity["value"] == key
    assert text[entity["start"] : entity["end"]].upper().startswith(key[:3])


def test_no_ticket_key_in_words_that_merely_start_like_one(interpreter: Interpreter) -> None:
    result = interpreter.parse("the increase 12 in requests")
    assert _entities(result, "ticket_key") == []


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("no me funciona la VPN", "network"),
        ("el wifi esta lentisimo", "network"),
        ("olvide mi contraseña", "access"),
        ("olvide mi CONTRASENA", "access"),
        ("tengo la cuenta bloqueada", "access"),
        ("la impresora no imprime", "hardware"),
        ("Outlook won't open", "email"),
        ("pantalla azul al prender", "os"),
        ("clicked a phishing link", "security"),
        ("the sql server is slow", "database"),
    ],
)
def test_categories_map_to_canonical_values(
    interpreter: Interpreter, text: str, category: str
) -> None:
    result = interpreter.parse(text)
    assert category in _entities(result, "category")


def test_synonym_mapping_is_recorded_in_processors(interpreter: Interpreter) -> None:
    result = interpreter.parse("sin wifi en la sala")
    (entity,) = [e for e in result["entities"] if e["entity"] == "category"]
    assert entity["value"] == "network"
    assert entity["processors"] == ["EntitySynonymMapper"]
    assert result["text"][entity["start"] : entity["end"]] == "wifi"


def test_longest_lookup_element_wins(interpreter: Interpreter) -> None:
    result = interpreter.parse("tengo la cuenta bloqueada otra vez")
    (entity,) = [e for e in result["entities"] if e["entity"] == "category"]
    assert result["text"][entity["start"] : entity["end"]] == "cuenta bloqueada"


@pytest.mark.parametrize(
    ("text", "urgency"),
    [
        ("la vpn no jala y no puedo trabajar", "high"),
        ("URGENTE no hay internet", "high"),
        ("need access to jira asap", "high"),
        ("cuando puedan revisan la impresora, no corre prisa", "low"),
        ("install visio when you can", "low"),
    ],
)
def test_urgency_cues(interpreter: Interpreter, text: str, urgency: str) -> None:
    assert set(_entities(interpreter.parse(text), "urgency")) == {urgency}


def test_impact_when_the_whole_team_is_affected(interpreter: Interpreter) -> None:
    assert _entities(interpreter.parse("todo el equipo esta sin red"), "impact") == ["high"]
    assert _entities(interpreter.parse("the whole team lost internet"), "impact") == ["high"]


def test_parse_reports_message_language(interpreter: Interpreter) -> None:
    assert interpreter.parse("no me funciona el correo")["language"] == "es"
    assert interpreter.parse("my email is not working")["language"] == "en"


def _state(*ranking: tuple[str, float]) -> ParseState:
    state = ParseState(text="x")
    state.intent_ranking = [{"name": n, "confidence": c} for n, c in ranking]
    state.intent = dict(state.intent_ranking[0])
    return state


def test_fallback_on_low_confidence_puts_nlu_fallback_first() -> None:
    fallback = FallbackClassifier({"threshold": 0.4, "ambiguity_threshold": 0.05})
    state = _state(("greet", 0.3), ("thanks", 0.1))
    fallback.process(state)
    assert state.intent == {"name": "nlu_fallback", "confidence": 0.4}
    assert [r["name"] for r in state.intent_ranking] == ["nlu_fallback", "greet", "thanks"]


def test_fallback_on_ambiguous_top_two() -> None:
    fallback = FallbackClassifier({"threshold": 0.3, "ambiguity_threshold": 0.1})
    state = _state(("ask_howto", 0.48), ("report_problem", 0.45), ("greet", 0.07))
    fallback.process(state)
    assert state.intent["name"] == "nlu_fallback"
    assert state.intent_ranking[1]["name"] == "ask_howto"


def test_confident_clear_intent_is_left_alone() -> None:
    fallback = FallbackClassifier({"threshold": 0.3, "ambiguity_threshold": 0.1})
    state = _state(("greet", 0.8), ("thanks", 0.1))
    fallback.process(state)
    assert state.intent == {"name": "greet", "confidence": 0.8}
    assert len(state.intent_ranking) == 2


def test_fallback_threshold_comes_from_config(tiny_data: Path, tmp_path: Path) -> None:
    config = write_config(tmp_path / "config.yml", threshold=0.99)
    interp = load_interpreter(config, tiny_data, rasa_url="", cache_dir=tmp_path / "cache")
    result = interp.parse("hola")
    assert result["intent"] == {"name": "nlu_fallback", "confidence": 0.99}
    assert result["intent_ranking"][0] == result["intent"]
    assert result["intent_ranking"][1]["name"] == "greet"


def test_empty_message_falls_back(interpreter: Interpreter) -> None:
    result = interpreter.parse("   ")
    assert result["intent"]["name"] == "nlu_fallback"
    assert result["entities"] == []


@pytest.mark.parametrize(
    ("text", "number"),
    [("el ticket 12 como va?", "12"), ("any news on case #7", "7"), ("mi caso no. 045", "45")],
)
def test_ticket_named_by_number_only(interpreter: Interpreter, text: str, number: str) -> None:
    result = interpreter.parse(text)
    assert _entities(result, "ticket_number") == [number]
    assert _entities(result, "ticket_key") == []


def test_english_red_is_not_the_spanish_network(interpreter: Interpreter) -> None:
    assert "network" not in _entities(interpreter.parse("the red light keeps blinking"), "category")
    assert "network" in _entities(interpreter.parse("no hay red en la sala"), "category")
