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


def _matches(word: str, vocabulary: set[str]) -> dict[str, float]:
    """The words of ``vocabulary`` that ``word`` matches and how well (0-1): itself, a typo away
    ("conceta" -> "conecta"), or the start of it ("impres" -> "impresora")."""
    found = {w: score / 100 for w, score, _ in process.extract(
        word, vocabulary, scorer=fuzz.ratio, score_cutoff=WORD_MATCH, limit=None)}
    if len(word) >= 4:
        for candidate in vocabulary:
            if candidate.startswith(word) and found.get(candidate, 0) < 0.9:
                found[candidate] = 0.9
    return found


def _score(query: dict[str, dict[str, float]], words: set[str]) -> float:
    """The share of the query found among ``words`` (each query word by its best match), 0-100."""
    if not words:
        return 0.0
    total = 0.0
    for matched in query.values():
        total += max((score for w, score in matched.items() if w in words), default=0.0)
    return 100 * total / len(query)


def search(uow: UnitOfWork, *, actor_id: int | None, words: str,
           filters: SearchFilter = SearchFilter(), limit: int = 20) -> list[Hit]:
    """Tickets matching ``words``, best first; ``actor_id=None`` is an admin at the CLI.

    Candidates are read as plain rows (id, title, description) and only the best ``limit`` are
    loaded as tickets: scoring thousands of tickets must not build thousands of ORM objects.
    """
    query_words = [w for w in fold(words).split() if len(w) > 1]
    if not query_words and not filters.requester:
        raise InvalidInput("command_usage", command="search")
    with uow:
        actor = uow.people.get(actor_id) if actor_id is not None else None
        if actor is not None:
            require_staff(actor, "search")
        internal = actor is None or is_staff(actor)
        query = select(Ticket.id, Ticket.title, Ticket.description).order_by(
            Ticket.id.desc()).limit(CANDIDATES)
        if filters.mine and actor is not None:
            query = query.where(Ticket.assignee_id == actor.id)
        if filters.team:
            query = query.where(Ticket.team_code == uow.teams.get(filters.team).code)
        if filters.status:
            query = query.where(Ticket.status == filters.status)
        if filters.requester:
            people = [p.id for p in uow.session.scalars(select(Person))
                      if fold(filters.requester) in fold(p.name)
                      or any(c.address.lower() == filters.requester.strip().lower()
                             for c in p.channels)]
            query = query.where(Ticket.requester_id.in_(people))
        rows = uow.session.execute(query).all()
        texts = _comment_texts(uow, [r.id for r in rows], internal) if query_words else {}
        fields = {ticket_id: {"title": _words(title), "description": _words(description),
                              "comments": _words(" ".join(texts.get(ticket_id, [])))}
                  for ticket_id, title, description in rows}
        vocabulary: set[str] = set()
        for parts in fields.values():
            vocabulary.update(*parts.values())
        wanted = {w: _matches(w, vocabulary) for w in dict.fromkeys(query_words)}
        scored: list[tuple[float, int, str]] = []
        for ticket_id, parts in fields.items():
            if not query_words:
                scored.append((100.0, ticket_id, "requester"))
                continue
            by_field = {name: _score(wanted, found) * WEIGHTS[name]
                        for name, found in parts.items()}
            whole = _score(wanted, set().union(*parts.values())) * WEIGHTS["comments"]
            where = max(by_field, key=lambda name: by_field[name])
            score = max(max(by_field.values()), whole)
            if score >= MIN_SCORE:
                scored.append((score, ticket_id, where))
        scored.sort(key=lambda h: (-h[0], -h[1]))
        hits = []
        for score, ticket_id, where in scored[:limit]:
            ticket = uow.session.get_one(Ticket, ticket_id)
            hits.append(Hit(view(uow, ticket), round(min(score, 100.0), 1), where))
        return hits


def _words(text: str) -> set[str]:
    return set(fold(text).split())


def _comment_texts(uow: UnitOfWork, ids: list[int], internal: bool) -> dict[int, list[str]]:
    """The words said on each ticket (comments, notes, questions, resolutions), read from the
    events' payloads by the database itself."""
    if not ids:
        return {}
    payload = Event.payload
    query = select(Event.ticket_id, payload["text"].as_string(),
                   payload["question"].as_string(), payload["summary"].as_string()).where(
        Event.ticket_id.in_(ids), Event.type.in_(TEXT_EVENTS))
    if not internal:
        query = query.where(Event.visibility == "public")
    out: dict[int, list[str]] = {}
    for ticket_id, text, question, summary in uow.session.execute(query):
        said = text or question or summary
        if said:
            out.setdefault(ticket_id, []).append(str(said))
    return out
