"""The Ticket aggregate without a database: each transition checks the move, changes the state
and returns the events; a refused move raises the error people are shown and changes nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from actions.sla_clock import AllHours, Stopwatch
from store.domain import events as ev
from store.domain.ticket import Actor, Ticket
from store.errors import (
    AlreadyClaimed,
    Conflict,
    IllegalTransition,
    InvalidInput,
    NotFound,
    RoleRefused,
)

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
ANA = Actor(id=1, name="Ana Torres", role="requester")
LUIS = Actor(id=2, name="Luis Pérez", role="technician", team="L1")
MARTA = Actor(id=3, name="Marta Ruiz", role="technician", team="L2")
GONE = Actor(id=4, name="Ex Técnico", role="technician", active=False)
ADMIN = Actor(id=5, name="Admin", role="admin")
CLOCK = Stopwatch()  # round the clock
TEAMS = {"L1", "L2", "L3"}


def _code(typed: str) -> str:
    if typed.upper() not in TEAMS:
        raise NotFound("team_not_found", ref=typed)
    return typed.upper()


def ticket(status: str = "open", *, assignee: Actor | None = None, **fields: object) -> Ticket:
    return replace(Ticket(id=7, key="INC-7", status=status, priority="P3", requester_id=ANA.id,
                          assignee=assignee, team="L1", created_at=T0,
                          response_due_at=T0 + timedelta(hours=1),
                          resolution_due_at=T0 + timedelta(hours=8)), **fields)


def state(t: Ticket) -> dict[str, object]:
    return dict(vars(t))


def test_claim_takes_the_ticket_and_says_so():
    t = ticket()
    events = t.claim(LUIS, at=T0)
    assert (t.status, t.assignee) == ("in_progress", LUIS)
    assert events == [ev.Claimed(at=T0, actor_id=LUIS.id, assignee="Luis Pérez",
                                 status="in_progress")]
    assert events[0].type == "claimed" and events[0].visibility == "public"
    assert events[0].payload() == {"assignee": "Luis Pérez", "status": "in_progress"}


def test_a_pending_ticket_claimed_keeps_waiting_on_the_requester():
    t = ticket("pending")
    t.claim(LUIS, at=T0)
    assert (t.status, t.assignee) == ("pending", LUIS)


@pytest.mark.parametrize("who,current,error,code", [
    (ANA, None, RoleRefused, "staff_only"),
    (GONE, None, RoleRefused, "staff_only"),
    (LUIS, LUIS, Conflict, "already_yours"),
    (MARTA, LUIS, AlreadyClaimed, "already_claimed"),
])
def test_refused_claims_change_nothing(who, current, error, code):
    t = ticket(assignee=current, status="in_progress" if current else "open")
    before = state(t)
    with pytest.raises(error) as err:
        t.claim(who, at=T0)
    assert err.value.code == code
    assert state(t) == before


def test_claiming_a_closed_ticket_is_an_illegal_transition():
    t = ticket("closed")
    with pytest.raises(IllegalTransition) as err:
        t.claim(LUIS, at=T0)
    assert err.value.params == {"key": "INC-7", "current": "closed", "target": "in_progress"}
    assert t.assignee is None


def test_resolve_stamps_first_response_and_resolution():
    t = ticket()
    [event] = t.resolve(LUIS, "Driver reinstalled", at=T0, clock=CLOCK, article_id="printer")
    assert (t.status, t.assignee, t.resolution, t.resolved_at, t.first_response_at) == (
        "resolved", LUIS, "Driver reinstalled", T0, T0)
    assert event.payload() == {"summary": "Driver reinstalled", "status": "resolved",
                               "article_id": "printer"}


def test_resolving_a_waiting_ticket_restarts_its_clock_later_by_the_wait():
    t = ticket("open")
    t.pend(LUIS, "Which printer?", at=T0, clock=CLOCK)
    assert t.paused_at == T0 and t.sla_next_at is None
    t.resolve(LUIS, "Fixed", at=T0 + timedelta(hours=2), clock=CLOCK)
    assert t.paused_at is None and t.paused_seconds == 7200
    assert t.resolution_due_at == T0 + timedelta(hours=10)


def test_only_staff_resolve():
    t = ticket()
    with pytest.raises(RoleRefused):
        t.resolve(ANA, "done", at=T0, clock=CLOCK)
    assert t.status == "open" and t.resolution is None


def test_the_requester_closes_a_resolved_ticket_and_nobody_else():
    t = ticket("resolved", assignee=LUIS)
    with pytest.raises(RoleRefused) as err:
        t.close(LUIS, at=T0)
    assert err.value.code == "requester_only" and t.status == "resolved"
    [event] = t.close(ANA, at=T0)
    assert (t.status, t.closed_at) == ("closed", T0)
    assert event.payload() == {"by": "requester", "status": "closed"}


def test_closing_an_open_ticket_is_refused():
    t = ticket("in_progress", assignee=LUIS)
    with pytest.raises(IllegalTransition):
        t.close(ANA, at=T0)
    assert t.closed_at is None


def test_reopen_by_the_requester_or_staff():
    t = ticket("resolved", assignee=LUIS, resolved_at=T0)
    [event] = t.reopen(ANA, at=T0, clock=CLOCK, reason="Still broken")
    assert (t.status, t.resolved_at, t.sla_next_at) == ("in_progress", None, T0)
    assert event.payload() == {"reason": "Still broken", "status": "in_progress",
                               "by_requester": True}
    other = ticket("resolved", assignee=LUIS)
    with pytest.raises(RoleRefused):
        other.reopen(Actor(id=9, name="Otro", role="requester"), at=T0, clock=CLOCK)
    assert other.status == "resolved"


def test_cancel_stops_the_clock_and_a_closed_ticket_cannot_be_cancelled():
    t = ticket(sla_next_at=T0)
    [event] = t.cancel(ANA, at=T0, reason="No longer needed")
    assert (t.status, t.closed_at, t.sla_next_at) == ("cancelled", T0, None)
    assert event.type == "cancelled"
    stranger = Actor(id=9, name="Otro", role="requester")
    with pytest.raises(RoleRefused) as err:
        ticket().cancel(stranger, at=T0)
    assert err.value.code == "not_your_ticket"
    with pytest.raises(IllegalTransition):
        ticket("closed").cancel(ANA, at=T0)


def test_transfer_to_a_team_puts_it_back_in_that_queue():
    t = ticket("in_progress", assignee=LUIS)
    events = t.transfer(LUIS, at=T0, team="l2", reason="Network", team_code=_code)
    assert (t.team, t.assignee, t.status) == ("L2", None, "open")
    assert [e.type for e in events] == ["transferred", "noted"]
    assert events[0].payload() == {"from_team": "L1", "to_team": "L2",
                                   "from_assignee": "Luis Pérez", "to_assignee": None,
                                   "status": "open"}
    assert events[1].visibility == "internal"
    assert events[1].payload() == {"text": "Network", "about": "transferred"}


def test_transfer_to_a_person_moves_it_into_their_team():
    t = ticket("open")
    [event] = t.transfer(LUIS, at=T0, person=MARTA, team_code=_code)
    assert (t.team, t.assignee, t.status) == ("L2", MARTA, "in_progress")
    assert event.payload()["to_assignee"] == "Marta Ruiz"


@pytest.mark.parametrize("kwargs,error,code", [
    ({"team": "L1"}, Conflict, "same_team"),
    ({"team": "L9"}, NotFound, "team_not_found"),
    ({"person": ANA}, InvalidInput, "not_a_technician"),
    ({}, InvalidInput, "transfer_target_missing"),
])
def test_refused_transfers_change_nothing(kwargs, error, code):
    t = ticket("open")
    before = state(t)
    with pytest.raises(error) as err:
        t.transfer(LUIS, at=T0, team_code=_code, **kwargs)
    assert err.value.code == code
    assert state(t) == before


def test_a_resolved_ticket_is_not_transferred_and_employees_never_transfer():
    with pytest.raises(IllegalTransition) as err:
        ticket("resolved").transfer(LUIS, at=T0, team="L2", team_code=_code)
    assert err.value.code == "ticket_final"
    with pytest.raises(RoleRefused):
        ticket().transfer(ANA, at=T0, team="L2", team_code=_code)


def test_escalation_by_the_desk_itself_has_no_actor():
    t = ticket("in_progress", assignee=LUIS)
    [event] = t.transfer(None, at=T0, team="L2", escalation=True, team_code=_code)
    assert isinstance(event, ev.Escalated) and event.type == "escalated"
    assert event.actor_id is None and t.team == "L2"


def test_the_requesters_answer_restarts_a_pending_ticket():
    t = ticket("open")
    t.pend(LUIS, "Which printer?", at=T0, clock=CLOCK)
    events = t.comment(ANA, "The one on floor 2", at=T0 + timedelta(minutes=30), clock=CLOCK)
    assert [e.type for e in events] == ["commented", "resumed"]
    assert t.status == "in_progress" and t.paused_at is None
    assert events[0].payload() == {"text": "The one on floor 2", "by_requester": True}


def test_a_staff_reply_is_the_first_response():
    t = ticket()
    t.comment(LUIS, "Looking at it", at=T0, clock=CLOCK)
    assert t.first_response_at == T0 and t.status == "open"
    with pytest.raises(IllegalTransition):
        ticket("closed").comment(ANA, "hello?", at=T0, clock=CLOCK)


def test_private_notes_are_internal_and_staff_only():
    [event] = ticket().note(ADMIN, "check the logs", at=T0)
    assert event.visibility == "internal"
    with pytest.raises(RoleRefused):
        ticket().note(ANA, "let me in", at=T0)


def test_the_desk_resolves_a_question_never_answered_and_closes_an_unconfirmed_resolution():
    t = ticket("open")
    t.pend(LUIS, "Which printer?", at=T0, clock=CLOCK)
    later = T0 + timedelta(days=5)
    [resolved] = t.resolve_unanswered(at=later, clock=CLOCK, days=5, question="Which printer?")
    assert (t.status, t.resolved_at, t.paused_at, t.sla_next_at) == ("resolved", later, None,
                                                                      None)
    assert resolved.actor_id is None and resolved.type == "resolved"
    assert resolved.payload() == {"by": "system", "reason": "no_answer", "days": 5,
                                  "question": "Which printer?", "status": "resolved"}
    [closed] = t.close_unconfirmed(at=later, days=3)
    assert (t.status, t.closed_at, closed.type) == ("closed", later, "closed")
    assert closed.payload()["reason"] == "no_confirmation"
    with pytest.raises(IllegalTransition):
        ticket("in_progress").close_unconfirmed(at=later, days=3)


def test_a_new_priority_moves_the_targets(settings):
    clock = Stopwatch(AllHours(), sla=settings.sla)
    t = ticket("in_progress", assignee=LUIS)
    [event] = t.reprioritise(LUIS, "P1", at=T0 + timedelta(minutes=5), clock=clock)
    target = settings.sla.targets["P1"]
    assert t.priority == "P1" and event.payload() == {"from": "P3", "to": "P1"}
    assert t.resolution_due_at == T0 + timedelta(minutes=target.resolution_minutes)
    with pytest.raises(Conflict) as err:
        t.reprioritise(LUIS, "P1", at=T0, clock=clock)
    assert err.value.code == "same_priority"
    with pytest.raises(IllegalTransition):
        ticket("closed").reprioritise(LUIS, "P1", at=T0, clock=clock)
