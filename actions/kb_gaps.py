"""``deskbot report kb-gaps``: the articles the desk should write next.

Every ticket of the period began as a message the knowledge base did not settle: either the
matcher had nothing to suggest, or it suggested an article that did not help and the person
opened a ticket anyway. Tickets a technician named an article for (``--article`` or the card's
"an article answers it") are left out: the knowledge base did have the answer. The rest are
grouped: tickets that were shown the same first article (that article does not help: improve
it), and messages nothing was suggested for, gathered by the words they share (write an article
for them).

What was shown is read from the ticket itself (the internal ``faq_suggested`` event the
conversation records when it opens a ticket after the FAQ answered, ``actions.faq_shown``).
Older tickets, and tickets opened without a conversation (a form, a command), have no such
event: for those alone today's matcher is run on the ticket's text, and each group says how many
of its tickets were judged each way.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from actions.reports import Period
from store.uow import UnitOfWork

SIMILAR = 0.25  # share of analysed words two messages need in common to be one gap
EXAMPLES = 5


@dataclass
class Gap:
    kind: str  # "unanswered": nothing suggested | "not_helpful": an article did not help
    article_id: str | None
    words: list[str]
    tickets: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    shown: int = 0  # tickets grouped by what the FAQ showed at the time
    rerun: int = 0  # tickets without that record, grouped by re-running today's matcher

    @property
    def count(self) -> int:
        return len(self.tickets)


def kb_gaps(uow: UnitOfWork, matcher: Any, period: Period) -> list[Gap]:
    """Groups of tickets of ``period`` the knowledge base did not answer, largest first."""
    w = period.window()
    with uow:
        rows = uow.learned.unsettled_tickets(w.since, w.until, w.team)
    gaps: list[Gap] = []
    by_article: dict[str, Gap] = {}
    for key, title, description, faq in rows:
        text = (faq or {}).get("query") or description or title
        if faq is not None:
            first = [str(a["article_id"]) for a in faq.get("articles") or []][:1]
        else:
            first = [m.article.id for m in matcher.search(text, top=1)]
        tokens = set(matcher.analyzer.analyze(text))
        if first:
            article_id = first[0]
            gap = by_article.get(article_id)
            if gap is None:
                gap = by_article[article_id] = Gap("not_helpful", article_id, [])
                gaps.append(gap)
        else:
            gap = _closest(gaps, tokens) or Gap("unanswered", None, [])
            if not gap.tickets:
                gaps.append(gap)
        gap.tickets.append(key)
        if faq is not None:
            gap.shown += 1
        else:
            gap.rerun += 1
        if len(gap.examples) < EXAMPLES:
            gap.examples.append(" ".join(text.split())[:160])
        gap.counts.update(tokens)
        gap.words = [w for w, _ in gap.counts.most_common(12)]
    for gap in gaps:
        gap.words = [w.lstrip("#").lower() for w in gap.words[:6]]
    return sorted(gaps, key=lambda g: (-g.count, g.kind, g.article_id or "", g.tickets[0]))


def _closest(gaps: list[Gap], tokens: set[str]) -> Gap | None:
    """The unanswered gap whose words the message shares most, if it shares enough."""
    best, best_share = None, 0.0
    for gap in gaps:
        if gap.kind != "unanswered" or not tokens:
            continue
        shared = len(tokens & set(gap.words)) / len(tokens | set(gap.words))
        if shared >= SIMILAR and shared > best_share:
            best, best_share = gap, shared
    return best


def to_dict(gaps: list[Gap]) -> list[dict[str, Any]]:
    return [{"kind": g.kind, "article_id": g.article_id, "count": g.count, "words": g.words,
             "tickets": g.tickets, "examples": g.examples, "from_shown": g.shown,
             "rerun": g.rerun} for g in gaps]
