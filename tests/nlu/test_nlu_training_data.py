"""The Rasa 3.x NLU YAML reader: annotations, synonyms, regexes and lookup tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.training_data import TrainingDataError, load_data, parse_annotated


def test_round_bracket_annotation_gives_span_in_plain_text() -> None:
    message = parse_annotated("la [vpn](category) no conecta")
    assert message.text == "la vpn no conecta"
    assert message.entities == [{"start": 3, "end": 6, "value": "vpn", "entity": "category"}]


def test_json_annotation_carries_the_canonical_value() -> None:
    message = parse_annotated('como va el [inc 12]{"entity": "ticket_key", "value": "INC-12"}?')
    assert message.text == "como va el inc 12?"
    (entity,) = message.entities
    assert message.text[entity["start"] : entity["end"]] == "inc 12"
    assert entity["value"] == "INC-12"


def test_several_annotations_and_colon_value_form() -> None:
    message = parse_annotated("[urgente](urgency): sin [wifi](category:network) en la sala")
    assert message.text == "urgente: sin wifi en la sala"
    assert [(e["entity"], e["value"]) for e in message.entities] == [
        ("urgency", "urgente"), ("category", "network")]
    assert message.text[message.entities[1]["start"] : message.entities[1]["end"]] == "wifi"


def test_load_reads_every_item_kind(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text(
        """\
version: "3.1"
nlu:
- intent: report_problem
  examples: |
    - no funciona la [impresora](category)
    - [Wi-Fi]{"entity": "category", "value": "network"} caido
- synonym: hardware
  examples: |
    - impresora
    - Laptop
- regex: ticket_key
  examples: |
    - \\b(?:inc|req)-\\d+\\b
- lookup: category
  examples: |
    - impresora
    - vpn
""",
        encoding="utf-8",
    )
    data = load_data(tmp_path)
    assert data.intents == ["report_problem"]
    assert [m.text for m in data.examples] == ["no funciona la impresora", "Wi-Fi caido"]
    assert data.entity_synonyms["laptop"] == "hardware"  # keyed by folded text
    assert data.entity_synonyms["wi-fi"] == "network"  # learnt from the annotation, as Rasa does
    assert data.regex_features == [{"name": "ticket_key", "pattern": r"\b(?:inc|req)-\d+\b"}]
    assert data.lookup_tables == [{"name": "category", "elements": ["impresora", "vpn"]}]


def test_bad_example_line_is_reported_with_its_place(tmp_path: Path) -> None:
    (tmp_path / "bad.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    hola sin guion\n',
        encoding="utf-8")
    with pytest.raises(TrainingDataError, match=r"bad\.yml.*greet"):
        load_data(tmp_path)


def test_project_data_has_the_desk_intents_in_both_languages() -> None:
    data = load_data(Path(__file__).resolve().parents[2] / "nlu" / "data")
    assert set(data.intents) == {
        "greet", "goodbye", "thanks", "affirm", "deny", "ask_howto", "report_problem",
        "request_service", "ask_status", "security_incident", "talk_to_human", "out_of_scope",
        "ask_faq"}
    per_intent = {i: sum(1 for m in data.examples if m.intent == i) for i in data.intents}
    assert min(per_intent.values()) >= 80  # about 40+ per language
    assert {"ticket_key", "category", "urgency", "impact"} <= data.entities
