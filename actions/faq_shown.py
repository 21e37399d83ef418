"""What the FAQ showed before a ticket was opened, kept on the ticket as an internal event.

``deskbot report kb-gaps`` asks of every ticket: did the knowledge base have nothing to offer,
or did it offer articles that did not help? Re-running today's matcher on an old ticket answers
with today's articles, thresholds and learned phrasings, not with what the person saw. So the
conversation that opens a ticket after the FAQ answered records, in the same transaction, the
query, the articles shown with their scores (none: nothing reached the threshold) and the
threshold in force. The event is internal: the requester never sees it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

EVENT = "faq_suggested"
MAX_QUERY = 2000


def shown(query: str, matches: Sequence[Any], threshold: float) -> dict[str, Any]:
    """The event's payload for ``matches`` (kb matcher ``Match``es) shown for ``query``."""
    return {"query": " ".join(str(query).split())[:MAX_QUERY],
            "articles": [{"article_id": str(m.article.id), "score": round(float(m.score), 2)}
                         for m in matches],
            "threshold": round(float(threshold), 2)}


def valid(payload: Any) -> dict[str, Any] | None:
    """``payload`` when it has the shape ``shown`` gives (it travels in conversation slots)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("articles"), list):
        return None
    articles = [a for a in payload["articles"] if isinstance(a, dict) and a.get("article_id")]
    return {"query": str(payload.get("query") or "")[:MAX_QUERY],
            "articles": [{"article_id": str(a["article_id"]), "score": a.get("score")}
                         for a in articles],
            "threshold": payload.get("threshold")}
