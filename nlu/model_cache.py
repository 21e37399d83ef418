"""Trained pipelines cached on disk, keyed by what they were trained from.

The key hashes every training file (path relative to the data dir and contents), the pipeline
section of config.yml and the engine's own source (a change to normalisation must not meet a
model trained with the old one). Changing any of them gives a new key, so a
stale model is never loaded and nobody has to remember to retrain. Old models are removed after a
successful save; a pickle that fails to load is treated as absent.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import tempfile
from pathlib import Path

from nlu.config import NluConfig
from nlu.pipeline import Pipeline
from nlu.training_data import data_files, load_data

log = logging.getLogger(__name__)

#: Bump to invalidate every cached model regardless of source changes.
ENGINE_VERSION = "1"
ENGINE_DIR = Path(__file__).resolve().parent


def _engine_digest() -> bytes:
    digest = hashlib.sha256(ENGINE_VERSION.encode())
    for source in sorted(ENGINE_DIR.rglob("*.py")):
        digest.update(str(source.relative_to(ENGINE_DIR)).encode() + source.read_bytes())
    return digest.digest()


def fingerprint(config: NluConfig, data_dir: Path) -> str:
    digest = hashlib.sha256()
    digest.update(_engine_digest())
    digest.update(json.dumps(config.pipeline, sort_keys=True, default=str).encode())
    for file in data_files(data_dir):
        rel = file.relative_to(data_dir) if data_dir.is_dir() else file.name
        digest.update(str(rel).encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _model_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / f"nlu-{key}.pkl"


def load_cached(cache_dir: Path, key: str) -> Pipeline | None:
    path = _model_path(cache_dir, key)
    if not path.exists():
        return None
    try:
        with path.open("rb") as fh:
            model = pickle.load(fh)
    except Exception:  # truncated or written by an older engine: retrain
        return None
    return model if isinstance(model, Pipeline) else None


def save(cache_dir: Path, key: str, pipeline: Pipeline) -> Path:
    """Write atomically (temp file + rename) so concurrent processes never read half a model."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = _model_path(cache_dir, key)
    fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=".nlu-", suffix=".tmp")
    with os.fdopen(fd, "wb") as fh:
        pickle.dump(pipeline, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, target)
    for old in cache_dir.glob("nlu-*.pkl"):
        if old != target:
            old.unlink(missing_ok=True)
    return target


def train_or_load(
    config: NluConfig, data_dir: Path, cache_dir: Path | None, force: bool = False
) -> tuple[Pipeline, str, bool]:
    """``(pipeline, key, trained_now)``; ``cache_dir=None`` trains in memory only."""
    key = fingerprint(config, data_dir)
    if cache_dir is not None and not force:
        cached = load_cached(cache_dir, key)
        if cached is not None:
            return cached, key, False
    pipeline = Pipeline(config.pipeline).train(load_data(data_dir))
    if cache_dir is not None:
        try:
            save(cache_dir, key, pipeline)
        except OSError as exc:  # read-only install: serve from memory, retrain next start
            log.warning("cannot cache the NLU model in %s: %s", cache_dir, exc)
    return pipeline, key, True
