"""Ticket keys as people type them ("inc 12", "Inc-012", "req#7") and their canonical form.

The desk stores keys as ``INC-12`` / ``REQ-7`` / ``SEC-3``; whatever extracts a key from a message
(the embedded engine or a Rasa server) hands it through ``normalise_ticket_key`` so that actions
can look tickets up without guessing.
"""

from __future__ import annotations

import re

PREFIXES = ("INC", "REQ", "SEC")
_NUMBER = re.compile(r"(\d+)\s*$")
_KEY = re.compile(r"^\s*(inc|req|sec)\s*[-_#:]?\s*0*(\d+)\s*$", re.IGNORECASE)


def normalise_ticket_key(raw: str) -> str:
    """``"inc 012"`` -> ``"INC-12"``; anything that is not a key comes back unchanged."""
    match = _KEY.match(raw)
    if not match:
        return raw
    return f"{match.group(1).upper()}-{int(match.group(2))}"


def normalise_ticket_number(raw: str) -> str:
    """``"el ticket #012"`` -> ``"12"``: a ticket named by number only, prefix unknown."""
    match = _NUMBER.search(raw)
    return str(int(match.group(1))) if match else raw
