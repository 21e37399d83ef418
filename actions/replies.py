"""Saved replies: the desk's files (``kb/replies/``) plus the ones leads add at run time.

``/ticket reply INC-1 ::vpn-reset`` expands the reply ``vpn-reset`` in the ticket's language
(any language when it exists in one only) with the ticket's facts and sends it as a public
reply; ``/ticket replies [words]`` lists them, best match first; ``/ticket savereply ID Title |
body`` (leads) adds one to the database. An unknown id is refused before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz
from sqlalchemy import select

from actions import work
from actions.access import require_manager, require_staff
from actions.settings import Settings
from actions.text import clean
from actions.views import TicketView
from kb.loader import ID_PATTERN
from kb.replies import SavedReply, check_replies, unknown_placeholders
from kb.text import fold
from store.errors import Conflict, InvalidInput, NotFound
from store.models import SavedReply as SavedReplyRow
from store.uow import UnitOfWork

#: What introduces a saved reply in a reply's text: ``::vpn-reset``.
MARK = "::"
#: Below this fuzzy score a saved reply does not match the words asked for.
MIN_SCORE = 60


@dataclass(frozen=True)
class ReplyChoice:
    """A saved reply as lists and selects show it."""

    id: str
    title: str
    language: str
    team: str | None
    source: str
    preview: str


def replies_dir(settings: Settings) -> Path:
    """``kb/replies`` beside the articles folder."""
    return settings.faq.articles_dir.parent / "replies"


def all_replies(uow: UnitOfWork, settings: Settings) -> list[SavedReply]:
    """Files first (valid ones only; ``deskbot kb check`` reports the rest), then the desk's."""
    files, _ = check_replies(replies_dir(settings), settings.languages, tuple(settings.teams))
    with uow:
        rows = uow.session.scalars(select(SavedReplyRow).order_by(SavedReplyRow.id)).all()
        desk = [SavedReply(id=r.slug, title=r.title, language=r.language, body=r.body,
                           team=r.team, source="desk") for r in rows]
    return [*files, *desk]


def find_reply(replies: list[SavedReply], reply_id: str, language: str) -> SavedReply:
    """The reply ``reply_id`` in ``language``, else in any language; NotFound otherwise."""
    wanted = reply_id.strip().lower()
    same = [r for r in replies if r.id == wanted]
    if not same:
        raise NotFound("reply_not_found", ref=reply_id[:64])
    return next((r for r in same if r.language == language), same[0])


def choices(uow: UnitOfWork, settings: Settings, *, actor_id: int, words: str = "",
            language: str | None = None, limit: int = 50) -> list[ReplyChoice]:
    """Saved replies for a technician: matching ``words`` best first, else alphabetical;
    ``language`` first when given."""
    with uow:
        require_staff(uow.people.get(actor_id), "replies")
    replies = all_replies(uow, settings)
    query = fold(words)
    scored = []
    for reply in replies:
        if query:
            haystack = fold(f"{reply.id.replace('-', ' ')} {reply.title} {reply.body}")
            score = max(fuzz.partial_ratio(query, haystack),
                        fuzz.token_set_ratio(query, haystack))
            if score < MIN_SCORE:
                continue
        else:
            score = 0
        preferred = 1 if language and reply.language == language else 0
        scored.append((-score, -preferred, reply.id, reply.language, reply))
    scored.sort(key=lambda item: item[:4])
    return [ReplyChoice(id=r.id, title=r.title, language=r.language, team=r.team,
                        source=r.source, preview=" ".join(r.body.split())[:120])
            for *_, r in scored[:limit]]


def find_replies(make_uow: Callable[[], UnitOfWork], settings: Settings, *, key: str,
                 actor_id: int, typed: str = "") -> list[ReplyChoice]:
    """A reply form too long to list, searched as the technician types: ``choices`` for the
    typed words (all of them, the ticket's language first, when little is typed)."""
    from actions.choices import OPTIONS, typed_words
    from actions.queries import show_ticket

    ticket = show_ticket(make_uow(), key=key, actor_id=actor_id)
    return choices(make_uow(), settings, actor_id=actor_id, words=" ".join(typed_words(typed)),
                   language=ticket.language, limit=OPTIONS)


def expand_for(uow: UnitOfWork, settings: Settings, *, key: str, actor_id: int, text: str,
               ) -> str:
    """``text`` with a leading ``::id`` replaced by that saved reply (plus whatever follows)."""
    if not text.strip().startswith(MARK):
        return text
    reply_id, _, extra = text.strip()[len(MARK):].partition(" ")
    replies = all_replies(uow, settings)
    with uow:
        ticket = uow.tickets.get(key)
        actor = uow.people.get(actor_id)
        require_staff(actor, "replies")
        facts = {"requester": ticket.requester.name.split(" ")[0], "key": ticket.key,
                 "title": ticket.title, "technician": actor.name,
                 "team": ticket.team_code or ""}
        language = ticket.language
    body = find_reply(replies, reply_id, language).expand(facts)
    return f"{body}\n\n{extra.strip()}" if extra.strip() else body


def reply_with(make_uow: Callable[[], UnitOfWork], settings: Settings, *, key: str,
               actor_id: int, text: str, private: bool = False) -> TicketView:
    """A reply (public, or a private note) whose text may start with ``::id``."""
    body = expand_for(make_uow(), settings, key=key, actor_id=actor_id, text=text)
    if private:
        return work.note(make_uow(), key=key, actor_id=actor_id, text=body)
    return work.comment(make_uow(), key=key, actor_id=actor_id, text=body)


def add_reply(uow: UnitOfWork, settings: Settings, *, actor_id: int, reply_id: str, title: str,
              body: str) -> ReplyChoice:
    """A lead saves a reply for the desk, in their language, for their team."""
    slug = reply_id.strip().lower()
    if not ID_PATTERN.match(slug) or len(slug) > 64:
        raise InvalidInput("bad_reply_id", value=reply_id[:64])
    title = clean(title, field="title", max_length=200)
    body = clean(body, field="text", max_length=4000)
    unknown = unknown_placeholders(body)
    if unknown:
        raise InvalidInput("bad_placeholder", value=unknown[0][1][:40])
    files, _ = check_replies(replies_dir(settings), settings.languages, tuple(settings.teams))
    with uow:
        actor = uow.people.get(actor_id)
        require_manager(actor, "replies_add")
        language = actor.language
        taken = any(r.id == slug and r.language == language for r in files) or uow.session.scalar(
            select(SavedReplyRow.id).where(SavedReplyRow.slug == slug,
                                           SavedReplyRow.language == language))
        if taken:
            raise Conflict("reply_exists", ref=slug)
        uow.session.add(SavedReplyRow(slug=slug, language=language, title=title, body=body,
                                      team=actor.team_code, created_by=actor.id))
        uow.commit()
        return ReplyChoice(id=slug, title=title, language=language, team=actor.team_code,
                           source="desk", preview=" ".join(body.split())[:120])
