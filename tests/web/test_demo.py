"""``deskbot seed --demo``: a history the dashboard can show, and a desk that keeps working
after it (keys and ids continue where the history stops)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from actions import dashboard, reports
from actions.demo import ensure_demo_people, seed_demo
from actions.intake import NewTicket, open_ticket
from actions.reports import Period
from store.models import Deflection, Event, SurveyAnswer, Ticket

AT = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)


def test_demo_history_feeds_every_figure_and_the_desk_goes_on(services, settings, cast):
    ensure_demo_people(services.uow)
    totals = seed_demo(services.uow(), settings, days=20, per_day=10, at=AT,
                       articles=("vpn-setup", "password-reset"))
    assert totals["tickets"] > 100 and totals["events"] > 5 * totals["tickets"]
    with services.session_factory() as s:
        assert s.scalar(select(func.count(Ticket.id))) == totals["tickets"]
        assert s.scalar(select(func.count(SurveyAnswer.id))) == totals["surveys"] > 0
        assert s.scalar(select(func.count(Deflection.id))) == totals["deflections"] > 0
        statuses = set(s.scalars(select(Ticket.status).distinct()))
        assert {"closed", "in_progress"} <= statuses
        assert s.scalar(select(func.count(Event.id)).where(Event.visibility == "internal")) > 0
    summary = reports.summary(services.uow(), Period(datetime(2026, 11, 10, tzinfo=UTC), AT),
                              now=AT)
    assert summary.volume.opened > 50 and summary.satisfaction.rated > 0
    assert summary.sla.total.resolution_breached > 0  # a desk with some late tickets
    assert summary.deflection.deflected > 0
    o = dashboard.overview(services.uow(), at=AT)
    assert o.open_total > 0 and sum(c.count for c in o.backlog_by_age) == o.open_total

    # the next real ticket takes the next key and id: no collision with the history
    last = totals["tickets"]
    view = open_ticket(services.uow(), settings, NewTicket(
        requester_id=cast.carlos.id, description="La impresora no imprime"))
    with services.session_factory() as s:
        numbers = s.scalars(select(Ticket.number).where(Ticket.kind == view.kind)).all()
        assert int(view.key.split("-")[1]) == max(numbers)
        assert s.scalar(select(func.count(Ticket.id))) == last + 1
