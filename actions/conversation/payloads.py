"""Button payloads in Rasa's ``/intent{json}`` form, both ways.

A button press comes back to ``handle_message`` as its payload text. Rasa treats a message that
starts with ``/`` and names a known intent as that intent with those entities, skipping the NLU;
the desk does the same, so the buttons work identically in Slack, the console and email links.
"""

from __future__ import annotations

import json
import re
from typing import Any

#: Intents the NLU predicts (exact names of nlu/data) and the ones only buttons send.
NLU_INTENTS = frozenset({
    "greet", "goodbye", "thanks", "affirm", "deny", "ask_howto", "report_problem",
    "request_service", "ask_status", "security_incident", "talk_to_human", "out_of_scope",
    "ask_faq", "nlu_fallback",
})
BUTTON_INTENTS = frozenset({
    "faq_solved", "faq_show", "open_ticket", "confirm", "reject", "rate", "skip_comment",
    "skip", "inform", "help", "cancel_ticket", "cancel_confirm", "cancel_keep", "new_problem",
    "same_ticket", "solved_alone", "security_answer",
})
KNOWN_INTENTS = NLU_INTENTS | BUTTON_INTENTS

_PAYLOAD = re.compile(r"^/(?P<intent>[a-z_]+)(?P<data>\{.*\})?\s*$", re.DOTALL)


def payload(intent: str, **entities: Any) -> str:
    """``payload("confirm", ticket_key="INC-1")`` -> ``/confirm{"ticket_key": "INC-1"}``."""
    if not entities:
        return f"/{intent}"
    return f"/{intent}{json.dumps(entities, ensure_ascii=False, separators=(', ', ': '))}"


def parse_payload(text: str) -> dict[str, Any] | None:
    """A Rasa parse dict for a button payload; None when the text is not one.

    Unknown intents and malformed JSON are not payloads: the text then goes through the NLU like
    anything else a person types.
    """
    match = _PAYLOAD.match(text.strip())
    if not match or match.group("intent") not in KNOWN_INTENTS:
        return None
    data: dict[str, Any] = {}
    if match.group("data"):
        try:
            loaded = json.loads(match.group("data"))
        except ValueError:
            return None
        if not isinstance(loaded, dict):
            return None
        data = loaded
    return {
        "text": text.strip(),
        "intent": {"name": match.group("intent"), "confidence": 1.0},
        "intent_ranking": [{"name": match.group("intent"), "confidence": 1.0}],
        "entities": [{"entity": str(k), "value": v, "start": 0, "end": 0,
                      "confidence_entity": 1.0, "extractor": "payload"}
                     for k, v in data.items()],
    }


def button(title: str, intent: str, **entities: Any) -> dict[str, str]:
    return {"title": title, "payload": payload(intent, **entities)}
