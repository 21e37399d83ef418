"""The trained model is cached on disk and retrained exactly when its inputs change."""

from __future__ import annotations

import shutil
from pathlib import Path

from nlu.config import load_nlu_config
from nlu.model_cache import train_or_load
from tests.nlu.conftest import write_config


def test_second_load_reuses_the_cached_model(tiny_data: Path, tmp_path: Path) -> None:
    config = load_nlu_config(write_config(tmp_path / "config.yml"))
    cache = tmp_path / "cache"
    _, key, trained = train_or_load(config, tiny_data, cache)
    assert trained
    assert [p.name for p in cache.glob("*.pkl")] == [f"nlu-{key}.pkl"]
    pipeline, key2, trained2 = train_or_load(config, tiny_data, cache)
    assert (key2, trained2) == (key, False)
    assert pipeline.process("hola").intent["name"] == "greet"


def test_changed_training_data_retrains(tiny_data: Path, tmp_path: Path) -> None:
    data = tmp_path / "copy"
    shutil.copytree(tiny_data, data)
    config = load_nlu_config(write_config(tmp_path / "config.yml"))
    cache = tmp_path / "cache"
    before, key, _ = train_or_load(config, data, cache)
    assert before.process("gracias totales").intent["name"] != "thanks"

    with (data / "nlu.yml").open("a", encoding="utf-8") as fh:
        fh.write("- intent: thanks\n  examples: |\n    - gracias\n    - thanks\n"
                 "    - muchas gracias\n    - thank you\n")
    after, new_key, trained = train_or_load(config, data, cache)
    assert trained and new_key != key
    assert after.process("gracias totales").intent["name"] == "thanks"
    assert [p.name for p in cache.glob("*.pkl")] == [f"nlu-{new_key}.pkl"]  # old one removed


def test_changed_pipeline_retrains(tiny_data: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = load_nlu_config(write_config(tmp_path / "a.yml", threshold=0.3))
    second = load_nlu_config(write_config(tmp_path / "b.yml", threshold=0.5))
    _, key, _ = train_or_load(first, tiny_data, cache)
    _, key2, trained = train_or_load(second, tiny_data, cache)
    assert trained and key2 != key


def test_corrupt_cache_file_is_retrained(tiny_data: Path, tmp_path: Path) -> None:
    config = load_nlu_config(write_config(tmp_path / "config.yml"))
    cache = tmp_path / "cache"
    _, key, _ = train_or_load(config, tiny_data, cache)
    (cache / f"nlu-{key}.pkl").write_bytes(b"not a pickle")
    pipeline, _, trained = train_or_load(config, tiny_data, cache)
    assert trained
    assert pipeline.process("hello").intent["name"] == "greet"


def test_force_retrains_even_when_fresh(tiny_data: Path, tmp_path: Path) -> None:
    config = load_nlu_config(write_config(tmp_path / "config.yml"))
    cache = tmp_path / "cache"
    train_or_load(config, tiny_data, cache)
    assert train_or_load(config, tiny_data, cache, force=True)[2]
