"""``deskbot run`` checks its configuration before accepting traffic: one clear message, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_a_wrong_kb_folder_and_channel_id_stop_the_start_with_one_message(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    config["faq"]["articles_dir"] = str(tmp_path / "no-such-folder")
    config["teams"]["L1"]["slack_channel"] = "#soporte-l1"  # a name, not an id
    path = tmp_path / "config.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("DESKBOT_CONFIG", str(path))
    monkeypatch.setenv("DESKBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'desk.db'}")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    assert main(["run", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "cannot start" in err
    assert "knowledge base folder not found" in err and "no-such-folder" in err
    assert "teams.L1.slack_channel" in err and "#soporte-l1" in err
    assert "Traceback" not in err
