"""Ticket pages and the FAQ: the list with its filters, one ticket's timeline, articles.

Scope is decided by the use cases (``actions.browse``): an employee only ever gets their own
tickets, a technician their team's; a ticket outside one's scope is "not found".
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from actions import browse
from actions.settings import PRIORITIES
from bot.web.figures import csv_text
from bot.web.site import Site, signed_in
from store.errors import DeskError, NotFound
from store.lifecycle import Status
from store.ticket_search import TicketFilter

FILTERS = ("status", "team", "priority", "requester", "text")


def _filters(request: Request) -> TicketFilter:
    q = request.query_params
    values = {k: (q.get(k) or "").strip()[:200] or None for k in FILTERS}
    if values["status"] not in {s.value for s in Status}:
        values["status"] = None
    if values["priority"] not in PRIORITIES:
        values["priority"] = None
    if values["team"]:
        values["team"] = values["team"].upper()
    return TicketFilter(**values)


def routes(site: Site) -> list[Route]:
    def me(request: Request) -> int:
        person = site.person(request)
        assert person is not None
        return person.id

    def ticket_list(request: Request) -> Response:
        filters = _filters(request)
        try:
            page = int(request.query_params.get("page") or 1)
        except ValueError:
            page = 1
        result = browse.browse_tickets(site.services.uow(), actor_id=me(request),
                                       filters=filters, page=page)
        if request.url.path.endswith(".csv"):
            text = csv_text(["key", "title", "status", "priority", "team", "category",
                             "requester", "assignee", "created_at"],
                            [[t.key, t.title, t.status, t.priority, t.team, t.category,
                              t.requester.name, t.assignee.name if t.assignee else "",
                              t.created_at.isoformat()] for t in result.tickets])
            return Response(text, media_type="text/csv; charset=utf-8",
                            headers={"content-disposition": 'attachment; filename="tickets.csv"'})
        return site.render(request, "tickets.html", result=result, filters=filters,
                           statuses=[s.value for s in Status], priorities=PRIORITIES,
                           teams=sorted(site.services.settings.teams), query=request.url.query)

    def ticket_page(request: Request) -> Response:
        try:
            ticket = browse.read_ticket(site.services.uow(), actor_id=me(request),
                                        key=request.path_params["key"][:40])
        except NotFound:
            return site.refuse(request, 404, "ticket_not_found")
        return site.render(request, "ticket.html", t=ticket)

    def faq_page(request: Request) -> Response:
        person = site.person(request)
        query = (request.query_params.get("q") or "").strip()[:500]
        articles = browse.faq(site.services.matcher, query=query,
                              language=person.language if person else None)
        return site.render(request, "faq.html", articles=articles, q=query)

    def faq_article(request: Request) -> Response:
        try:
            article = browse.faq_article(site.services.matcher, request.path_params["id"])
        except DeskError:
            return site.refuse(request, 404, "not_found")
        return site.render(request, "article.html", a=article)

    return [
        Route("/tickets", signed_in(site, ticket_list), methods=["GET"]),
        Route("/csv/tickets.csv", signed_in(site, ticket_list), methods=["GET"]),
        Route("/tickets/{key}", signed_in(site, ticket_page), methods=["GET"]),
        Route("/faq", signed_in(site, faq_page), methods=["GET"]),
        Route("/faq/{id}", signed_in(site, faq_article), methods=["GET"]),
    ]
