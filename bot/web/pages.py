"""The dashboard pages (overview, trends, technicians), their CSV downloads and the JSON API.

Employees have no dashboard: their home is their own tickets. Technicians see their team's
figures; leads and admins every team's, with a team filter.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from actions import reports
from actions.browse import require_dashboard, require_lead
from actions.common import now as desk_now
from actions.reports import Period
from bot.cli.dates import parse_when
from bot.web import charts
from bot.web.figures import BUILDERS, Figures, build, csv_text, headline
from bot.web.site import Site, signed_in
from store.errors import DeskError


def period_from(request: Request, *, team: str | None) -> Period | None:
    """``?since=&until=`` as ``deskbot report`` reads them (a bare ``until`` date includes that
    day; 30 days by default); None when they are not dates or not in order."""
    try:
        until = parse_when(request.query_params["until"], end_of_day=True) \
            if request.query_params.get("until") else None
        period = Period.last_days(until=until, team=team)
        if request.query_params.get("since"):
            period = Period(parse_when(request.query_params["since"]), period.until, team)
    except ValueError:
        return None
    return period if period.since < period.until else None


def _extra(page: str, figures: Figures) -> dict[str, Any]:
    if page == "trends":
        return {"headline": headline(figures.data)}
    return {"resolved_items": [(r.name, r.resolved) for r in figures.data if r.resolved]}


def routes(site: Site) -> list[Route]:
    def scope(request: Request) -> tuple[str | None, Response | None]:
        """The team the person may look at (None: all), or the refusal."""
        person = site.person(request)
        assert person is not None
        try:
            bound = require_dashboard(person)
        except DeskError:
            return None, site.refuse(request, 403, "forbidden")
        asked = (request.query_params.get("team") or "").upper() or None
        if asked and asked not in site.services.settings.teams:
            asked = None
        return (bound if bound is not None else asked), None

    def home(request: Request) -> Response:
        person = site.person(request)
        if person is None or not person.is_staff:
            return RedirectResponse("/tickets", status_code=303)
        return overview(request)

    def overview(request: Request) -> Response:
        team, refused = scope(request)
        if refused:
            return refused
        figures = build("overview", site.services.uow, team=team, period=Period.last_days())
        template = "overview_live.html" if request.url.path.startswith("/live/") else \
            "overview.html"
        return site.render(request, template, o=figures.data, charts=charts, team=team,
                           teams=sorted(site.services.settings.teams),
                           live=site.config.live_seconds,
                           query=request.url.query)

    def scoped_figures(request: Request,
                       page: str) -> tuple[Figures, Period, str | None] | Response:
        """A page's figures for the team and period the request asks for, or the refusal."""
        team, refused = scope(request)
        if refused:
            return refused
        period = period_from(request, team=team)
        if period is None:
            return site.refuse(request, 400, "bad_period")
        return build(page, site.services.uow, team=team, period=period), period, team

    def dashboard_page(name: str, template: str):  # noqa: ANN202 - a route handler
        def page(request: Request) -> Response:
            found = scoped_figures(request, name)
            if isinstance(found, Response):
                return found
            figures, period, team = found
            return site.render(request, template, f=figures, data=figures.data, charts=charts,
                               **_extra(name, figures),
                               period=period, team=team, query=request.url.query,
                               teams=sorted(site.services.settings.teams),
                               since=period.since.date().isoformat(),
                               until=(period.until - timedelta(seconds=1)).date().isoformat())
        return page

    def download(request: Request) -> Response:
        page, figure = request.path_params["page"], request.path_params["figure"]
        if page not in BUILDERS:
            return site.refuse(request, 404, "not_found")
        found = scoped_figures(request, page)
        if isinstance(found, Response):
            return found
        tables = found[0].tables
        if figure not in tables:
            return site.refuse(request, 404, "not_found")
        header, rows = tables[figure]
        stamp = datetime.now(UTC).strftime("%Y%m%d")
        return Response(csv_text(header, rows), media_type="text/csv; charset=utf-8", headers={
            "content-disposition": f'attachment; filename="{page}-{figure}-{stamp}.csv"'})

    def api_summary(request: Request) -> Response:
        """The same JSON as ``deskbot report summary --json``, for leads and admins."""
        person = site.person(request)
        assert person is not None
        try:
            require_lead(person)
        except DeskError:
            return site.refuse(request, 403, "forbidden")
        team = (request.query_params.get("team") or "").upper() or None
        period = period_from(request, team=team)
        if period is None:
            return site.refuse(request, 400, "bad_period")
        try:
            result = reports.summary(site.services.uow(), period)
        except DeskError:
            return site.refuse(request, 400, "bad_period")
        return JSONResponse(reports.to_dict(result))

    def healthz(request: Request) -> Response:
        return JSONResponse({"ok": True, "at": desk_now().isoformat()})

    def guarded(handler):  # noqa: ANN001, ANN202
        return signed_in(site, handler)

    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/", guarded(home), methods=["GET"]),
        Route("/overview", guarded(overview), methods=["GET"]),
        Route("/live/overview", guarded(overview), methods=["GET"]),
        Route("/trends", guarded(dashboard_page("trends", "trends.html")), methods=["GET"]),
        Route("/technicians", guarded(dashboard_page("technicians", "technicians.html")),
              methods=["GET"]),
        Route("/csv/{page}/{figure}.csv", guarded(download), methods=["GET"]),
        Route("/api/summary", guarded(api_summary), methods=["GET"]),
    ]
