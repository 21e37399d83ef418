"""Understanding what employees write: intents and entities in Rasa's formats.

``load_interpreter()`` is the one entry point the rest of the desk uses. It returns the embedded
engine (trained from ``nlu/data`` with config.yml's pipeline, cached on disk), or, when a Rasa
server URL is given or ``DESKBOT_RASA_URL`` is set, a connector to that server. Both answer
``parse(text) -> dict`` in the shape of Rasa's ``POST /model/parse``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Protocol

RASA_URL_ENV = "DESKBOT_RASA_URL"


class NluInterpreter(Protocol):
    def parse(self, text: str) -> dict[str, Any]: ...


def load_interpreter(
    config_path: Path | str | None = None,
    data_dir: Path | str | None = None,
    rasa_url: str | None = None,
    *,
    cache_dir: Path | str | None = None,
    force: bool = False,
) -> NluInterpreter:
    """The interpreter the desk should use; imports scikit-learn only when it is needed."""
    from nlu.config import DEFAULT_CACHE_DIR, DEFAULT_DATA_DIR, load_nlu_config

    config = load_nlu_config(config_path)
    url = rasa_url if rasa_url is not None else os.environ.get(RASA_URL_ENV, "")
    if url:
        from nlu.rasa_http import RasaHttpInterpreter

        return RasaHttpInterpreter(url, language=config.language)

    from nlu.interpreter import Interpreter
    from nlu.model_cache import train_or_load

    data = Path(data_dir) if data_dir else DEFAULT_DATA_DIR
    cache = Path(cache_dir) if cache_dir else DEFAULT_CACHE_DIR
    pipeline, key, _ = train_or_load(config, data, cache, force=force)
    return Interpreter(pipeline, language=config.language, fingerprint=key)


__all__ = ["RASA_URL_ENV", "NluInterpreter", "load_interpreter"]
