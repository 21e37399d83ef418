"""The knowledge base as a person browses it: the most used articles by category, each in the
person's language when it exists in it.

Many answers are written twice, once per language. Nothing in an article says which article is
its translation, so twins are found the way a reader would: each one is the other's closest
article in the other language, same category, found by searching its title (both ways, so
"Add a network printer" is not the twin of "Impresora fuera de línea" just because it is the
nearest printer article). Lookups are lazy and cached: only the articles actually shown are
paired, which keeps a 10,000-article base cheap.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from typing import Any

from sqlalchemy import func, select

from actions.conversation.base import DeskAction, Replies, Turn, slots
from actions.conversation.payloads import button
from actions.services import Services
from store.models import Deflection

#: A translated title scores lower against its twin than against itself (other words, other
#: stems), and how much lower depends on the knowledge base: the candidate must score at least
#: this share of the article's own title score, and the pairing must hold both ways.
TWIN_SHARE = 0.75
PER_CATEGORY = 2  # articles shown per category
CATEGORIES_SHOWN = 5
WALK_LIMIT = 200  # articles looked at, at most, to fill the categories


@lru_cache(maxsize=4096)
def _closest(matcher: Any, article_id: str, language: str) -> str | None:
    """The article in ``language`` and the same category whose phrasing best matches this
    article's title, when it matches well."""
    article = next((a for a in matcher.articles if a.id == article_id), None)
    if article is None:
        return None
    matches = matcher.search(article.title, top=8, min_score=0.0)
    own = next((m.score for m in matches if m.article.id == article.id), None)
    if own is None:
        return None
    for match in matches:
        if match.article.language == language and match.article.category == article.category \
                and match.article.id != article.id:
            return str(match.article.id) if match.score >= TWIN_SHARE * own else None
    return None


def twin_in(matcher: Any, article: Any, language: str) -> Any | None:
    """The same answer written in ``language``, or None."""
    if article.language == language:
        return article
    candidate = _closest(matcher, article.id, language)
    if candidate is None or _closest(matcher, candidate, article.language) != article.id:
        return None
    return next((a for a in matcher.articles if a.id == candidate), None)


def in_language(matcher: Any, article: Any, language: str) -> Any:
    """The article to show a person: its twin in their language when there is one."""
    return twin_in(matcher, article, language) or article


def most_used(services: Services, language: str) -> list[tuple[str, list[Any]]]:
    """``[(category, [articles])]``: categories by use, each with its most used articles, every
    article in ``language`` when a twin exists.

    Articles are walked most used first (then the person's language, then the desk's category
    order), each replaced by its twin in the person's language, until enough categories are
    full; only those few are ever paired, whatever the size of the knowledge base.
    """
    matcher = services.matcher
    with services.uow() as uow:
        rows = uow.session.execute(
            select(Deflection.article_id, func.count()).group_by(Deflection.article_id)).all()
    uses: Counter[str] = Counter({str(article_id): int(count) for article_id, count in rows})
    order = {code: n for n, code in enumerate(services.settings.categories)}
    walk = sorted(matcher.articles, key=lambda a: (
        -uses[a.id], a.language != language, order.get(a.category, len(order)), a.title))
    groups: dict[str, list[Any]] = {}
    seen: set[str] = set()
    for article in walk[:WALK_LIMIT]:
        chosen = in_language(matcher, article, language)
        group = groups.setdefault(chosen.category, [])
        if chosen.id in seen or len(group) >= PER_CATEGORY:
            continue
        seen.add(chosen.id)
        group.append(chosen)
        full = [g for g in groups.values() if len(g) >= PER_CATEGORY]
        if len(full) >= CATEGORIES_SHOWN:
            break
    return [(category, articles) for category, articles in groups.items() if articles][
        :CATEGORIES_SHOWN]


class ActionBrowseFaq(DeskAction):
    """"Preguntas frecuentes" / "show me the FAQ": the most used articles, as buttons."""

    def name(self) -> str:
        return "action_browse_faq"

    def act(self, out: Replies, turn: Turn) -> list[dict[str, Any]]:
        return self.catalogue(out, turn)

    def catalogue(self, out: Replies, turn: Turn) -> list[dict[str, Any]]:
        groups = most_used(self.services, turn.language)
        if not groups:
            out.say("faq_catalogue_empty")
            return slots(awaiting=None)
        out.say("faq_catalogue_intro", custom={"kind": "faq_catalogue", "articles": [
            a.id for _, articles in groups for a in articles]})
        for category, articles in groups:
            out.say("faq_catalogue_category", code=category, buttons=[
                button(article.title, "faq_show", article_id=article.id)
                for article in articles])
        return slots(awaiting=None)


class ActionHelp(ActionBrowseFaq):
    """A bare "help" or "ayuda": one line on what the desk does, then the most used articles.

    The same in both languages: a person asking for help usually has a common problem, so the
    catalogue answers more of them than a list of abilities alone, and the line says what else
    is possible (tickets, their status, security, a technician).
    """

    def name(self) -> str:
        return "action_help"

    def act(self, out: Replies, turn: Turn) -> list[dict[str, Any]]:
        out.say("help_short", name=turn.person.name.split(" ")[0], custom={"kind": "help"})
        return self.catalogue(out, turn)
