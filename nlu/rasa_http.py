"""Parsing through a real Rasa server's ``POST /model/parse`` (``DESKBOT_RASA_URL``).

Same interface as the embedded interpreter. Rasa does not report the message language, so it is
detected here; ticket keys are canonicalised as the embedded engine does, so actions see
``INC-12`` whichever engine parsed the message.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from nlu.language import detect_language
from nlu.ticket_keys import normalise_ticket_key, normalise_ticket_number


class RasaConnectionError(RuntimeError):
    """The Rasa server could not be reached or did not answer with a parse result."""


class RasaHttpInterpreter:
    def __init__(self, url: str, timeout: float = 5.0, language: str = "es") -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.language = language

    @property
    def endpoint(self) -> str:
        return f"{self.url}/model/parse"

    def parse(self, text: str) -> dict[str, Any]:
        body = json.dumps({"text": text}).encode("utf-8")
        request = urllib.request.Request(
            self.endpoint, data=body, method="POST",
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:200].decode("utf-8", "replace")
            raise RasaConnectionError(
                f"Rasa server at {self.endpoint} answered HTTP {exc.code}: {detail}"
            ) from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise RasaConnectionError(
                f"cannot reach Rasa server at {self.endpoint}: {reason}"
            ) from exc
        try:
            result = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise RasaConnectionError(f"Rasa server at {self.endpoint} sent non-JSON") from exc
        if not isinstance(result, dict) or "intent" not in result:
            raise RasaConnectionError(f"Rasa server at {self.endpoint} sent no parse result")
        for entity in result.get("entities") or []:
            if not isinstance(entity.get("value"), str):
                continue
            if entity.get("entity") == "ticket_key":
                entity["value"] = normalise_ticket_key(entity["value"])
            elif entity.get("entity") == "ticket_number":
                entity["value"] = normalise_ticket_number(entity["value"])
        result.setdefault("language", detect_language(str(result.get("text", text)),
                                                      self.language))
        return result
