"""``deskbot nlu`` as an admin or a script uses it."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.cli import main
from nlu.interpreter import Interpreter
from tests.nlu.conftest import CONFIG, DATA_DIR, write_config


@pytest.fixture
def cli_args(interpreter: Interpreter, model_cache: Path) -> list[str]:
    # the session fixture already trained into model_cache, so the CLI loads the cached model
    return ["--config", str(CONFIG), "nlu"]


def _tail(model_cache: Path) -> list[str]:
    return ["--data", str(DATA_DIR), "--cache", str(model_cache)]


def test_parse_json_is_the_rasa_dict(
    cli_args: list[str], model_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main([*cli_args, "parse", "me robaron la laptop", "--json", *_tail(model_cache)])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["text"] == "me robaron la laptop"
    assert result["intent"]["name"] == "security_incident"
    assert {"intent_ranking", "entities"} <= set(result)


def test_parse_human_output(
    cli_args: list[str], model_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*cli_args, "parse", "status of INC-12?", *_tail(model_cache)]) == 0
    out = capsys.readouterr().out
    assert "intención:  ask_status" in out  # the desk's language: es
    assert "ticket_key = INC-12" in out


def test_parse_stdin_prints_one_json_line_per_input_line(
    cli_args: list[str], model_cache: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("hola\nquiero hablar con una persona\nthx\n"))
    assert main([*cli_args, "parse", "--stdin", *_tail(model_cache)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["intent"]["name"] for line in lines] == [
        "greet", "talk_to_human", "thanks"]
    assert [json.loads(line)["language"] for line in lines] == ["es", "es", "en"]


def test_parse_without_text_is_a_usage_error(
    cli_args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*cli_args, "parse"]) == 2
    assert "--stdin" in capsys.readouterr().err


def test_train_then_train_again_uses_the_cache(
    tiny_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--config", str(write_config(tmp_path / "c.yml")), "nlu", "train",
            "--data", str(tiny_data), "--cache", str(tmp_path / "cache")]
    assert main(args) == 0
    assert "entrenado en" in capsys.readouterr().out
    assert main([*args, "--lang", "en"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_test_command_prints_cross_validated_report(
    tiny_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--config", str(write_config(tmp_path / "c.yml", threshold=0.0, ambiguity=0.0)),
            "nlu", "test", "--folds", "2", "--data", str(tiny_data), "--json"]
    assert main(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["examples"] == 8
    assert set(report["per_intent"]) == {"greet", "report_problem"}
    assert 0.0 <= report["accuracy"] <= 1.0


def test_parse_reports_unreachable_rasa_server(
    cli_args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main([*cli_args, "parse", "hola", "--rasa-url", "http://127.0.0.1:9"])
    assert code == 1
    assert "cannot reach Rasa server" in capsys.readouterr().err
