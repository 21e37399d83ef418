"""A technician says which knowledge-base article answers a ticket (the card's "an article
answers it", like ``/ticket resolve INC-1 --article ID`` without resolving).

The choices are what the matcher finds for the ticket's own message, in the requester's language
(an article's twin in it preferred), then every other article; even weak candidates are offered,
since a person is choosing. Choosing one teaches the matcher the requester's original message as
a way of asking for that article, and records an internal event on the ticket, in one
transaction: ``deskbot report kb-gaps`` then leaves the ticket out, and the next person who asks
the same way gets the article. The requester is not told (the event is internal).

A knowledge base larger than a select holds (``choices.OPTIONS``) is searched instead
(``find_articles``): the suggestions while nothing is typed, then the articles whose title or
id holds what was typed, and what the matcher finds for it (typos included).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from actions.access import require_staff
from actions.choices import OPTIONS, contains, starts_with, typed_words
from actions.common import locked, now
from actions.learning import learn, phrasing
from actions.services import Services
from store.errors import Conflict, IllegalTransition, InvalidInput
from store.lifecycle import FINAL
from store.models import Ticket
from store.uow import UnitOfWork

EVENT = "article_linked"
ACTION = "kb_link"
SUGGESTED = 3
#: Fewer titles than this holding what was typed: the matcher adds what it finds for it.
TYPED_MATCHES = 10


@dataclass(frozen=True)
class ArticleChoice:
    id: str
    title: str
    language: str
    score: float | None = None  # the matcher's, for a suggestion


@dataclass(frozen=True)
class ArticleChoices:
    key: str
    text: str  # the requester's message, as the matcher read it
    language: str
    suggested: list[ArticleChoice]
    others: list[ArticleChoice]
    #: More articles than one select shows: the form searches (``find_articles``) instead.
    searchable: bool = False


@dataclass(frozen=True)
class Linked:
    key: str
    article_id: str
    title: str
    learned: bool  # False: the message was already known for the article, or too short


def learn_from_ticket(uow: UnitOfWork, ticket: Ticket, article_id: str, source: str) -> bool:
    """The requester's original message learned for ``article_id`` (caller's transaction)."""
    return learn(uow, phrasing(article_id=article_id, text=ticket.description or ticket.title,
                               source=source, language=ticket.language,
                               person_id=ticket.requester_id, ticket_id=ticket.id))


def _workable(uow: UnitOfWork, key: str, actor_id: int, *, lock: bool) -> Ticket:
    """The ticket, once the actor is known to be staff and the ticket still open to changes."""
    ticket, actor = locked(uow, key, actor_id) if lock else (
        uow.tickets.get(key), uow.people.get(actor_id))
    require_staff(actor, ACTION)
    if ticket.status in FINAL:
        raise IllegalTransition("ticket_final", key=ticket.key, current=ticket.status)
    return ticket


def _ticket(services: Services, key: str, actor_id: int) -> tuple[str, str, str]:
    """(key, the requester's message, language) of a ticket staff may still link."""
    with services.uow() as uow:
        ticket = _workable(uow, key, actor_id, lock=False)
        return ticket.key, ticket.description or ticket.title, ticket.language


def _suggested(services: Services, text: str, language: str) -> list[ArticleChoice]:
    from actions.conversation.faq import suggest

    found = suggest(services, text, language, min_score=0.0)[:SUGGESTED]
    return [ArticleChoice(m.article.id, m.article.title, m.article.language,
                          round(float(m.score), 1)) for m in found]


def article_choices(services: Services, *, key: str, actor_id: int) -> ArticleChoices:
    """What the technician chooses from: the top suggestions, then the other articles (the
    requester's language first), at most ``OPTIONS`` in all; ``searchable`` when there are
    more (the form then asks ``find_articles`` as the technician types)."""
    canonical, text, language = _ticket(services, key, actor_id)
    suggested = _suggested(services, text, language)
    taken = {c.id for c in suggested}
    rest = sorted((a for a in services.matcher.articles if a.id not in taken),
                  key=lambda a: (a.language != language, a.title.casefold()))
    others = [ArticleChoice(a.id, a.title, a.language) for a in rest[:OPTIONS - len(suggested)]]
    if not suggested and not others:
        raise InvalidInput("no_articles")
    return ArticleChoices(canonical, text, language, suggested, others,
                          searchable=len(suggested) + len(rest) > OPTIONS)


def find_articles(services: Services, *, key: str, actor_id: int, typed: str) -> ArticleChoices:
    """A searching form's options for what the technician typed, at most ``OPTIONS``.

    Little or nothing typed: what ``article_choices`` offers (the ticket's suggestions first).
    Otherwise the articles whose title or id holds every typed word, accents and case aside
    (titles starting with it first, then the requester's language), then, when few do, what
    the matcher finds for the typed text (a typo, other words for the same thing); the ticket's
    suggestions among them stay in their own group. Refusals are ``_workable``'s.
    """
    words = typed_words(typed)
    if not words:
        return article_choices(services, key=key, actor_id=actor_id)
    canonical, text, language = _ticket(services, key, actor_id)
    matcher = services.matcher
    hits = [a for a in matcher.articles if contains(words, a.id.replace("-", " "), a.title)]
    hits.sort(key=lambda a: (not starts_with(words, a.title), a.language != language,
                             a.title.casefold()))
    seen = {a.id for a in hits}
    if len(hits) < TYPED_MATCHES:  # few titles hold it: a typo, or other words for it
        for match in matcher.search(typed, top=TYPED_MATCHES):
            if match.article.id not in seen:
                seen.add(match.article.id)
                hits.append(match.article)
    suggested = [c for c in _suggested(services, text, language) if c.id in seen]
    taken = {c.id for c in suggested}
    others = [ArticleChoice(a.id, a.title, a.language) for a in hits if a.id not in taken]
    return ArticleChoices(canonical, text, language, suggested,
                          others[:OPTIONS - len(suggested)], searchable=True)


def link_article(uow: UnitOfWork, articles: Sequence[Any], *, key: str, actor_id: int,
                 article_id: str) -> Linked:
    """Record that ``article_id`` answers ticket ``key``; refusals write nothing."""
    with uow:
        ticket = _workable(uow, key, actor_id, lock=True)
        article = next((a for a in articles if a.id == article_id), None)
        if article is None:
            raise InvalidInput("unknown_article", article=str(article_id)[:80])
        history = uow.events.history(ticket, include_internal=True)
        if any(e.type == EVENT and (e.payload or {}).get("article_id") == article.id
               for e in history):
            raise Conflict("article_already_linked", key=ticket.key, article=article.id)
        learned = learn_from_ticket(uow, ticket, article.id, "linked")
        actor = uow.people.get(actor_id)
        at = now()
        uow.events.append(ticket, EVENT, actor=actor, at=at, visibility="internal",
                          payload={"article_id": article.id, "title": article.title,
                                   "learned": learned})
        uow.commit()
        return Linked(ticket.key, article.id, article.title, learned)
