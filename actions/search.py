"""Finding tickets by what they are about: fuzzy over title, description and comments.

People search the way they chat ("vpn no conceta", "impresora piso 3"), so every word of the
query is matched, typos allowed, against the words of each ticket, and the tickets whose title,
description or comments hold the most of the query come first. Technicians see internal notes
matched too; filters (mine, team, status, requester) narrow the candidates before scoring.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process
from sqlalchemy import select

from actions.access import is_staff, require_staff
from actions.common import view
from actions.views import TicketView
from kb.text import fold
from store.errors import InvalidInput
from store.lifecycle import Status
from store.models import Event, Person, Ticket
from store.uow import UnitOfWork

#: Event types whose text is part of what a ticket is about.
TEXT_EVENTS = ("commented", "noted", "pending", "resolved")
#: A query word matches a ticket word at this similarity (0-100): one typo in a short word.
WORD_MATCH = 75
#: A ticket is shown when it matches at least this share of the query (0-100).
MIN_SCORE = 60
#: What a match is worth by where it is: the title says what the ticket is about; a word in a
#: comment may be a passing mention.
WEIGHTS = {"title": 1.0, "description": 0.95, "comments": 0.85}
#: How many recent tickets are scored at most (newest first).
CANDIDATES = 5000


@dataclass(frozen=True)
class SearchFilter:
    mine: bool = False
    team: str | None = None
    status: str | None = None
    requester: str | None = None


@dataclass(frozen=True)
class Hit:
    ticket: TicketView
    score: float
    where: str  # title | description | comments


def parse_query(text: str) -> tuple[str, SearchFilter]:
    """``"vpn casa --team L2 --status open"`` -> words and filters (``--mine`` takes no value)."""
    words: list[str] = []
    values: dict[str, str] = {}
    mine = False
    tokens = text.split()
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token in ("--mine", "--mios", "--míos"):
            mine = True
        elif token in ("--team", "--equipo", "--status", "--estado", "--requester"):
            if i + 1 >= len(tokens):
                raise InvalidInput("command_usage", command="search")
            name = {"--equipo": "--team", "--estado": "--status"}.get(token, token)
            values[name[2:]] = tokens[i + 1]
            i += 1
        else:
            words.append(token)
        i += 1
    status = values.get("status")
    if status is not None and status not in {s.value for s in Status}:
        raise InvalidInput("bad_choice", field="status", value=status[:40],
                           choices=", ".join(s.value for s in Status))
    return " ".join(words), SearchFilter(mine=mine, team=(values.get("team") or "").upper() or None,
                                         status=status, requester=values.get("requester"))


def _score(query_words: list[str], text: str) -> float:
    """The share of query words found in ``text`` (each by its best fuzzy match), 0-100."""
    words = fold(text).split()
    if not words or not query_words:
        return 0.0
    found = 0.0
    for word in query_words:
        best = process.extractOne(word, words, scorer=fuzz.ratio)
        if best is not None and best[1] >= WORD_MATCH:
            found += best[1] / 100
        elif len(word) >= 4 and any(w.startswith(word) for w in words):
            found += 0.9  # "impres" typed while thinking of "impresora"
    return 100 * found / len(query_words)


def search(uow: UnitOfWork, *, actor_id: int | None, words: str,
           filters: SearchFilter = SearchFilter(), limit: int = 20) -> list[Hit]:
    """Tickets matching ``words``, best first; ``actor_id=None`` is an admin at the CLI."""
    query_words = [w for w in fold(words).split() if len(w) > 1]
    if not query_words and not filters.requester:
        raise InvalidInput("command_usage", command="search")
    with uow:
        actor = uow.people.get(actor_id) if actor_id is not None else None
        if actor is not None:
            require_staff(actor, "search")
        internal = actor is None or is_staff(actor)
        query = select(Ticket).order_by(Ticket.id.desc()).limit(CANDIDATES)
        if filters.mine and actor is not None:
            query = query.where(Ticket.assignee_id == actor.id)
        if filters.team:
            query = query.where(Ticket.team_code == uow.teams.get(filters.team).code)
        if filters.status:
            query = query.where(Ticket.status == filters.status)
        if filters.requester:
            people = [p.id for p in uow.session.scalars(select(Person))
                      if fold(filters.requester) in fold(p.name)
                      or (p.email or "").lower() == filters.requester.lower()]
            query = query.where(Ticket.requester_id.in_(people))
        tickets = uow.session.scalars(query).unique().all()
        texts = _comment_texts(uow, [t.id for t in tickets], internal)
        hits: list[tuple[float, int, Ticket, str]] = []
        for ticket in tickets:
            if not query_words:
                hits.append((100.0, ticket.id, ticket, "requester"))
                continue
            parts = {"title": _score(query_words, ticket.title) * WEIGHTS["title"],
                     "description": _score(query_words, ticket.description)
                     * WEIGHTS["description"],
                     "comments": _score(query_words, " ".join(texts.get(ticket.id, [])))
                     * WEIGHTS["comments"]}
            whole = _score(query_words, " ".join(
                [ticket.title, ticket.description, *texts.get(ticket.id, [])]))
            where = max(parts, key=lambda name: parts[name])
            score = max(max(parts.values()), whole * WEIGHTS["comments"])
            if score >= MIN_SCORE:
                hits.append((score, ticket.id, ticket, where))
        hits.sort(key=lambda h: (-h[0], -h[1]))
        return [Hit(view(uow, t), round(score, 1), where) for score, _, t, where in hits[:limit]]


def _comment_texts(uow: UnitOfWork, ids: list[int], internal: bool) -> dict[int, list[str]]:
    if not ids:
        return {}
    query = select(Event.ticket_id, Event.payload).where(
        Event.ticket_id.in_(ids), Event.type.in_(TEXT_EVENTS))
    if not internal:
        query = query.where(Event.visibility == "public")
    out: dict[int, list[str]] = {}
    for ticket_id, payload in uow.session.execute(query):
        data = payload or {}
        text = data.get("text") or data.get("question") or data.get("summary")
        if text:
            out.setdefault(ticket_id, []).append(str(text))
    return out
