"""Knowledge-base articles drafted from solved tickets, reviewed and published by a lead.

``/ticket kb INC-1`` writes a draft from what the requester and the technicians said *in public*:
the problem (title and description), the technicians' public replies and questions, and the
resolution, in the ticket's language. Private notes are never read. ``deskbot kb drafts`` lists
the drafts; ``deskbot kb publish ID`` writes the Markdown file (front matter + body) into the
knowledge-base folder, checks it as ``deskbot kb check`` would, and the matcher of every running
process reloads the folder when it next searches (``Services.matcher`` watches the files).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy import select

from actions.access import require_staff
from actions.common import now
from actions.messages import Messages
from actions.settings import Settings
from kb.loader import parse_article
from kb.text import fold
from store.errors import IllegalTransition, InvalidInput, NotFound
from store.lifecycle import Status
from store.models import Event, KbDraft, Ticket
from store.uow import UnitOfWork

#: What a public event contributes to an article: (payload field, whose words).
PUBLIC_STEPS = {"commented": "text", "pending": "question"}
SOLVED = (Status.RESOLVED.value, Status.CLOSED.value)


@dataclass(frozen=True)
class DraftView:
    id: int
    ticket: str
    slug: str
    language: str
    category: str
    title: str
    questions: tuple[str, ...]
    body: str
    status: str
    path: str | None

    @classmethod
    def of(cls, row: KbDraft, ticket_key: str) -> DraftView:
        return cls(id=row.id, ticket=ticket_key, slug=row.slug, language=row.language,
                   category=row.category, title=row.title,
                   questions=tuple((row.questions or {}).get("items") or ()), body=row.body,
                   status=row.status, path=row.path)


def slug_for(title: str, key: str) -> str:
    words = fold(title).split()[:8]
    return re.sub(r"-+", "-", "-".join([*words, key.lower()])).strip("-")[:120]


def draft_from_ticket(uow: UnitOfWork, messages: Messages, *, key: str, actor_id: int,
                      ) -> DraftView:
    """Draft an article from a solved ticket's public story (staff only)."""
    with uow:
        ticket = uow.tickets.get(key)
        actor = uow.people.get(actor_id)
        require_staff(actor, "kb_draft")
        if ticket.status not in SOLVED or not ticket.resolution:
            raise IllegalTransition("draft_needs_resolution", key=ticket.key,
                                    current=ticket.status)
        steps: list[str] = []
        for event in uow.session.scalars(select(Event).where(
                Event.ticket_id == ticket.id, Event.visibility == "public",
                Event.type.in_(tuple(PUBLIC_STEPS))).order_by(Event.seq)):
            payload = event.payload or {}
            if payload.get("by_requester") or event.actor_id == ticket.requester_id:
                continue  # the requester's own words describe the problem, not the answer
            text = str(payload.get(PUBLIC_STEPS[event.type]) or "").strip()
            if text:
                steps.append(text)
        language = ticket.language if ticket.language in ("es", "en") else "es"
        body = messages.render("drafts.article", language, title=ticket.title,
                               problem=ticket.description, steps=steps,
                               resolution=ticket.resolution, key=ticket.key)
        questions = [q for q in dict.fromkeys([ticket.title, ticket.description.split("\n")[0]])
                     if q.strip()][:3]
        row = KbDraft(ticket_id=ticket.id, slug=slug_for(ticket.title, ticket.key),
                      language=language, category=ticket.category, title=ticket.title[:200],
                      questions={"items": [q[:200] for q in questions]}, body=body,
                      status="draft", created_by=actor.id, created_at=now())
        uow.session.add(row)
        uow.commit()
        return DraftView.of(row, ticket.key)


def list_drafts(uow: UnitOfWork, *, include_published: bool = False) -> list[DraftView]:
    with uow:
        query = select(KbDraft).order_by(KbDraft.id)
        if not include_published:
            query = query.where(KbDraft.status == "draft")
        rows = uow.session.scalars(query).all()
        return [DraftView.of(r, uow.session.get_one(Ticket, r.ticket_id).key)
                for r in rows]


def article_text(draft: DraftView) -> str:
    """The Markdown file of a draft: front matter the loader accepts, then the body."""
    front = {"id": draft.slug, "title": draft.title, "language": draft.language,
             "category": draft.category, "tags": [draft.category, draft.ticket.lower()],
             "questions": list(draft.questions) or [draft.title]}
    dumped = yaml.safe_dump(front, allow_unicode=True, sort_keys=False, width=1000)
    return f"---\n{dumped}---\n{draft.body.strip()}\n"


def publish(uow: UnitOfWork, settings: Settings, *, draft_id: int,
            directory: Path | None = None) -> DraftView:
    """Write the draft's article into the knowledge base and mark it published."""
    root = directory or settings.faq.articles_dir
    with uow:
        row = uow.session.get(KbDraft, draft_id)
        if row is None:
            raise NotFound("draft_not_found", ref=str(draft_id))
        if row.status != "draft":
            raise IllegalTransition("draft_published", key=str(draft_id), current=row.status)
        draft = DraftView.of(row, uow.session.get_one(Ticket, row.ticket_id).key)
        path = root / draft.language / f"{draft.slug}.md"
        text = article_text(draft)
        _, errors, _ = parse_article(path, text, tuple(settings.categories), settings.languages)
        if errors:
            raise InvalidInput("draft_invalid", reason=errors[0].message)
        if path.exists():
            raise InvalidInput("draft_exists", ref=str(path.name))
        path.parent.mkdir(parents=True, exist_ok=True)
        row.status, row.published_at, row.path = "published", now(), str(path)
        uow.session.flush()
        path.write_text(text, encoding="utf-8")
        try:
            uow.commit()
        except Exception:
            path.unlink(missing_ok=True)  # the file exists if and only if the draft says so
            raise
        return DraftView.of(row, draft.ticket)
