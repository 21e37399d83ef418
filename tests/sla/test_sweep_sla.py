"""SLA warnings and breaches: sent at the right moment, to the right people, exactly once."""

from __future__ import annotations

from actions import work
from actions.messages import Messages
from actions.sweep import sweep
from tests.sla.conftest import events, later, open_with, outbox, set_sla


def _recipients(rows) -> set[str]:
    out = set()
    for row in rows:
        r = row.recipient
        out.add(f"team:{r['team']}" if r["type"] == "team" else f"{r['role']}:{r['person_id']}")
    return out


def test_warning_then_breach_each_sent_once_to_assignee_team_and_lead(services, cast, clock):
    set_sla(services, escalate_on_breach=False)
    view = open_with(services, cast, "P2")  # first response 60 min -> warning at 45
    work.claim(services.uow(), key=view.key, actor_id=cast.ana.id)
    clock.move_to(later(44))
    assert sweep(services).actions == 0
    for minute in (45, 46, 50, 59):
        clock.move_to(later(minute))
        sweep(services)
    warnings = events(services, view.key, "sla_warning")
    assert [(e.actor_id, e.payload["target"], e.visibility) for e in warnings] == [
        (None, "response", "internal")]
    assert _recipients(outbox(services, "sla_warning")) == {
        f"assignee:{cast.ana.id}", "team:L1", f"lead:{cast.marta.id}"}
    assert not events(services, view.key, "sla_breach")
    for minute in (60, 61, 90, 120):
        clock.move_to(later(minute))
        sweep(services)
    breaches = events(services, view.key, "sla_breach")
    assert [e.payload["target"] for e in breaches] == ["response"]
    assert len(outbox(services, "sla_breach")) == 3
    with services.uow() as uow:
        assert uow.tickets.get(view.key).team_code == "L1"  # escalation is switched off


def test_the_team_channel_reads_the_warning_in_spanish(services, cast, clock):
    view = open_with(services, cast, "P1")
    clock.move_to(later(12))
    sweep(services)
    [row] = [r for r in outbox(services, "sla_warning") if r.recipient["type"] == "team"]
    text = Messages("mrkdwn").render("notify.sla_warning", row.language, **row.context,
                                     recipient=row.recipient)
    assert view.key in text and "primera respuesta" in text and "75 %" in text


def test_breach_escalates_one_level_once_when_configured(services, cast, clock):
    view = open_with(services, cast, "P1")  # response 15 min, resolution 240 min
    work.claim(services.uow(), key=view.key, actor_id=cast.ana.id)
    clock.move_to(later(16))
    report = sweep(services)
    assert report.breaches == [f"{view.key} response"]
    assert report.escalations == [f"{view.key} response"]
    assert not report.warnings  # late sweep: the breach says it all
    clock.move_to(later(17))
    assert sweep(services).actions == 0
    escalated = events(services, view.key, "escalated")
    assert [(e.actor_id, e.payload["from_team"], e.payload["to_team"]) for e in escalated] == [
        (None, "L1", "L2")]
    with services.uow() as uow:
        ticket = uow.tickets.get(view.key)
        assert ticket.team_code == "L2" and ticket.assignee_id is None


def test_first_response_stops_the_first_response_clock(services, cast, clock):
    view = open_with(services, cast, "P2")
    clock.move_to(later(10))
    work.comment(services.uow(), key=view.key, actor_id=cast.ana.id, text="Lo reviso ya")
    for minute in (46, 61, 120):
        clock.move_to(later(minute))
        sweep(services)
    assert not events(services, view.key, "sla_warning")
    assert not events(services, view.key, "sla_breach")
    clock.move_to(later(361))  # resolution warning at 75 % of 480 min
    sweep(services)
    assert [e.payload["target"] for e in events(services, view.key, "sla_warning")] == [
        "resolution"]


def test_nothing_is_due_while_the_ticket_waits_on_the_requester(services, cast, clock):
    set_sla(services, escalate_on_breach=False)
    view = open_with(services, cast, "P1")
    clock.move_to(later(5))
    work.set_pending(services.uow(), key=view.key, actor_id=cast.ana.id, question="¿Modelo?")
    for minute in (200, 239, 300):  # resolution would have been due at 240
        clock.move_to(later(minute))
        sweep(services)
    assert not events(services, view.key, "sla_warning")
    clock.move_to(later(305))
    work.comment(services.uow(), key=view.key, actor_id=cast.carlos.id, text="HP 400")
    clock.move_to(later(305 + 170))  # 5 + 170 = 175 < 180 (75 % of 240)
    sweep(services)
    assert not events(services, view.key, "sla_warning")
    clock.move_to(later(305 + 176))
    sweep(services)
    assert [e.payload["target"] for e in events(services, view.key, "sla_warning")] == [
        "resolution"]


def test_a_reopened_ticket_is_watched_again(services, cast, clock):
    set_sla(services, escalate_on_breach=False)
    view = open_with(services, cast, "P1")
    work.resolve(services.uow(), key=view.key, actor_id=cast.ana.id, summary="Reiniciado")
    clock.move_to(later(30))
    sweep(services)
    work.reopen(services.uow(), key=view.key, actor_id=cast.carlos.id, reason="Sigue igual")
    clock.move_to(later(241))
    sweep(services)
    assert [e.payload["target"] for e in events(services, view.key, "sla_breach")] == [
        "resolution"]
