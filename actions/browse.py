"""Reading tickets and the FAQ from the web pages, each person within their own scope.

The rule the web adds to ``actions.queries``: an employee sees only the tickets they asked for; a
technician the tickets of their team, those assigned to them and those they were invited to; a
lead or admin every ticket. Private notes reach staff only. Refusals are ``RoleRefused`` /
``NotFound``, which the web channel turns into a page in the person's language.
"""

from __future__ import annotations

from dataclasses import dataclass

from actions.access import MANAGERS, STAFF
from actions.common import view
from actions.ports import Matcher
from actions.views import PersonView, TicketView
from store.errors import NotFound, RoleRefused
from store.models import Ticket
from store.ticket_search import Scope, TicketFilter, search
from store.uow import UnitOfWork

PAGE = 50


def scope_of(person: PersonView) -> Scope:
    if person.role in MANAGERS:
        return Scope()
    if person.role in STAFF:
        return Scope(team=person.team or "", assignee_id=person.id)
    return Scope(requester_id=person.id)


def _may_read(uow: UnitOfWork, person: PersonView, ticket: Ticket) -> bool:
    if person.role in MANAGERS or ticket.requester_id == person.id:
        return True
    if person.role not in STAFF:
        return False
    if (ticket.team_code and ticket.team_code == person.team) or ticket.assignee_id == person.id:
        return True
    return any(w.id == person.id for w in uow.tickets.watchers(ticket))


@dataclass(frozen=True)
class TicketPage:
    total: int
    page: int
    pages: int
    tickets: list[TicketView]


def browse_tickets(uow: UnitOfWork, *, actor_id: int, filters: TicketFilter, page: int = 1,
                   ) -> TicketPage:
    """One page of the tickets the person may see that match the filters, newest first."""
    page = max(1, page)
    with uow:
        actor = PersonView.of(uow.people.get(actor_id))
        total, rows = search(uow.session, scope_of(actor), filters, limit=PAGE,
                             offset=(page - 1) * PAGE)
        tickets = [view(uow, t) for t in rows]
    return TicketPage(total, page, max(1, -(-total // PAGE)), tickets)


def read_ticket(uow: UnitOfWork, *, actor_id: int, key: str) -> TicketView:
    """A ticket with its whole timeline; internal notes only for staff. Someone outside its
    scope is told it does not exist (``NotFound``), so keys cannot be probed."""
    with uow:
        actor = PersonView.of(uow.people.get(actor_id))
        ticket = uow.tickets.get(key)
        if not _may_read(uow, actor, ticket):
            raise NotFound("ticket_not_found", key=ticket.key)
        return view(uow, ticket, include_internal=actor.is_staff, with_history=True)


def require_dashboard(person: PersonView) -> str | None:
    """Who may see the dashboards, and which team they are bound to (None: all teams).

    Employees have no dashboard; technicians see their own team's figures.
    """
    if person.role in MANAGERS:
        return None
    if person.role in STAFF:
        return person.team or ""
    raise RoleRefused("staff_only", action="dashboard")


def require_lead(person: PersonView) -> None:
    if person.role not in MANAGERS:
        raise RoleRefused("managers_only", action="report")


@dataclass(frozen=True)
class FaqEntry:
    id: str
    title: str
    language: str
    category: str
    body: str
    score: float | None = None


def faq(matcher: Matcher, *, query: str = "", language: str | None = None, limit: int = 20,
        ) -> list[FaqEntry]:
    """Knowledge-base articles: the best matches for ``query``, or every article (the person's
    language first) when there is no query."""
    query = query.strip()[:500]
    if query:
        return [FaqEntry(m.article.id, m.article.title, m.article.language,
                         m.article.category, m.article.body, round(m.score, 1))
                for m in matcher.search(query, top=limit)]
    articles = sorted(matcher.articles, key=lambda a: (a.language != language, a.category, a.title))
    return [FaqEntry(a.id, a.title, a.language, a.category, a.body) for a in articles]


def faq_article(matcher: Matcher, article_id: str) -> FaqEntry:
    for a in matcher.articles:
        if a.id == article_id:
            return FaqEntry(a.id, a.title, a.language, a.category, a.body)
    raise NotFound("article_not_found", id=article_id[:60])
