"""The ticket's life through the use cases, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from actions import closure, queries, work
from actions.intake import NewTicket, open_ticket, record_security_details
from actions.people import update_person
from store.errors import (
    AlreadyClaimed,
    Conflict,
    IllegalTransition,
    InvalidInput,
    NotFound,
    RoleRefused,
)
from tests.store.helpers import row_counts


def new(services, settings, person, text="La VPN no conecta desde casa", **kw):
    return open_ticket(services.uow(), settings, NewTicket(requester_id=person.id,
                                                           description=text, **kw))


def test_opening_routes_by_category_and_numbers_per_kind(services, settings, cast):
    vpn = new(services, settings, cast.carlos, category="network")
    printer = new(services, settings, cast.emma, "Printer on floor 2 is jammed",
                  category="hardware")
    access = new(services, settings, cast.carlos, "Necesito acceso a la carpeta de finanzas",
                 kind="request", category="access")
    assert (vpn.key, vpn.team, vpn.status) == ("INC-1", "L2", "open")
    assert (printer.key, printer.team) == ("INC-2", "L1")
    assert (access.key, access.team) == ("REQ-1", "L1")
    assert vpn.title == "La VPN no conecta desde casa"
    assert vpn.language == "es" and printer.language == "en"
    history = queries.show_ticket(services.uow(), key="INC-1", actor_id=cast.ana.id).history
    assert [e.type for e in history] == ["created", "routed"]
    assert history[1].payload["team"] == "L2"


def test_manual_routing_override_and_priority(services, settings, cast):
    ticket = new(services, settings, cast.carlos, category="hardware", team="L3",
                 impact="high", urgency="high")
    assert ticket.team == "L3" and ticket.priority == "P1"
    assert ticket.response_due_at is not None and ticket.resolution_due_at is not None
    assert (ticket.resolution_due_at - ticket.created_at).total_seconds() == 240 * 60


def test_vip_requester_gets_a_higher_priority(services, settings, cast):
    update_person(services.uow(), "carlos@example.com", vip=True)
    assert new(services, settings, cast.carlos).priority == "P2"
    assert new(services, settings, cast.emma, "My mouse is broken").priority == "P3"


def test_full_journey_with_pending_resolution_confirmation_and_survey(services, settings, cast):
    key = new(services, settings, cast.carlos, category="hardware").key
    claimed = work.claim(services.uow(), key=key, actor_id=cast.ana.id)
    assert claimed.status == "in_progress" and claimed.assignee.name == "Ana Torres"
    assert claimed.first_response_at is None  # claiming is not a reply the requester reads

    asked = work.set_pending(services.uow(), key=key, actor_id=cast.ana.id,
                             question="¿Qué modelo de laptop tienes?")
    assert asked.status == "pending" and asked.paused_at is not None
    assert asked.first_response_at is not None

    answered = work.comment(services.uow(), key=key, actor_id=cast.carlos.id,
                            text="Una Dell Latitude 5420")
    assert answered.status == "in_progress" and answered.paused_at is None

    done = work.resolve(services.uow(), key=key, actor_id=cast.ana.id,
                        summary="Se reinstaló el driver del dock")
    assert done.status == "resolved" and done.resolution == "Se reinstaló el driver del dock"

    closed = closure.confirm(services.uow(), key=key, actor_id=cast.carlos.id)
    assert closed.status == "closed" and closed.closed_at is not None

    rated = closure.answer_survey(services.uow(), settings, key=key, actor_id=cast.carlos.id,
                                  rating=5)
    rated = closure.answer_survey(services.uow(), settings, key=key, actor_id=cast.carlos.id,
                                  rating=None, comment="¡Muy rápido, gracias!")
    assert [(a.rating, a.comment) for a in rated.survey] == [(5, "¡Muy rápido, gracias!")]
    with pytest.raises(Conflict):
        closure.answer_survey(services.uow(), settings, key=key, actor_id=cast.carlos.id,
                              rating=1)

    history = queries.show_ticket(services.uow(), key=key, actor_id=cast.carlos.id).history
    assert [e.type for e in history] == [
        "created", "routed", "claimed", "pending", "commented", "resumed", "resolved",
        "closed", "survey_answered", "survey_answered"]


def test_requester_rejects_resolution_and_ticket_reopens(services, settings, cast):
    key = new(services, settings, cast.emma, "Outlook keeps asking for my password").key
    work.claim(services.uow(), key=key, actor_id=cast.ana.id)
    work.resolve(services.uow(), key=key, actor_id=cast.ana.id, summary="Cleared credentials")
    reopened = closure.reject(services.uow(), key=key, actor_id=cast.emma.id,
                              reason="Still asking every hour")
    assert reopened.status == "in_progress" and reopened.resolved_at is None
    assert reopened.assignee.name == "Ana Torres"


def test_private_notes_never_reach_the_requester(services, settings, cast):
    key = new(services, settings, cast.carlos).key
    work.note(services.uow(), key=key, actor_id=cast.luis.id, text="Usuario con historial raro")
    work.comment(services.uow(), key=key, actor_id=cast.luis.id, text="¿Desde qué red?")
    seen_by_requester = queries.show_ticket(services.uow(), key=key, actor_id=cast.carlos.id)
    seen_by_staff = queries.show_ticket(services.uow(), key=key, actor_id=cast.luis.id)
    assert "noted" not in [e.type for e in seen_by_requester.history]
    assert "Usuario con historial raro" not in repr(seen_by_requester)
    assert [e.visibility for e in seen_by_staff.history if e.type == "noted"] == ["internal"]
    with services.engine.connect() as conn:
        from sqlalchemy import text

        recipients = conn.execute(text(
            "SELECT recipient, template FROM outbox")).all()
    assert not any(t == "noted" and '"thread"' in str(r) for r, t in recipients)


def test_transfer_and_escalation_keep_the_whole_history(services, settings, cast):
    key = new(services, settings, cast.carlos, category="hardware").key
    work.claim(services.uow(), key=key, actor_id=cast.ana.id)
    work.note(services.uow(), key=key, actor_id=cast.ana.id, text="Probé otro cable")
    moved = work.transfer(services.uow(), key=key, actor_id=cast.ana.id, team="L2",
                          reason="Parece problema del switch")
    assert (moved.team, moved.assignee, moved.status) == ("L2", None, "open")
    work.claim(services.uow(), key=key, actor_id=cast.luis.id)
    up = work.escalate(services.uow(), key=key, actor_id=cast.luis.id, reason="Firmware")
    assert up.team == "L3" and up.key == key
    with pytest.raises(Conflict) as err:
        work.escalate(services.uow(), key=key, actor_id=cast.sam.id)
    assert err.value.code == "top_level"
    history = queries.show_ticket(services.uow(), key=key, actor_id=cast.sam.id).history
    notes = [e.payload["text"] for e in history if e.type == "noted"]
    assert notes == ["Probé otro cable", "Parece problema del switch", "Firmware"]
    assert [e.payload.get("to_team") for e in history if e.type in ("transferred", "escalated")
            ] == ["L2", "L3"]


def test_transfer_to_a_person_and_invite_a_colleague(services, settings, cast):
    key = new(services, settings, cast.carlos).key
    moved = work.transfer(services.uow(), key=key, actor_id=cast.marta.id, person="luis")
    assert moved.assignee.name == "Luis Pérez" and moved.status == "in_progress"
    invited = work.invite(services.uow(), key=key, actor_id=cast.luis.id, person="UANA")
    assert [w.name for w in invited.watchers] == ["Ana Torres"]
    with pytest.raises(Conflict):
        work.invite(services.uow(), key=key, actor_id=cast.luis.id, person="Ana Torres")
    with pytest.raises(InvalidInput):
        work.invite(services.uow(), key=key, actor_id=cast.luis.id, person="emma@example.com")


def test_cancel_while_active_not_once_resolved(services, settings, cast):
    first = new(services, settings, cast.carlos).key
    assert work.cancel(services.uow(), key=first, actor_id=cast.carlos.id).status == "cancelled"
    second = new(services, settings, cast.carlos).key
    work.claim(services.uow(), key=second, actor_id=cast.luis.id)
    assert work.cancel(services.uow(), key=second, actor_id=cast.carlos.id).status == "cancelled"
    third = new(services, settings, cast.carlos).key
    work.resolve(services.uow(), key=third, actor_id=cast.luis.id, summary="Hecho")
    with pytest.raises(IllegalTransition):
        work.cancel(services.uow(), key=third, actor_id=cast.carlos.id)


def test_lists_mine_and_queue(services, settings, cast):
    a = new(services, settings, cast.carlos, category="hardware").key
    b = new(services, settings, cast.carlos, "Impresora sin toner", category="hardware").key
    new(services, settings, cast.emma, "VPN down", category="network")
    work.claim(services.uow(), key=a, actor_id=cast.ana.id)
    assert [t.key for t in queries.my_tickets(services.uow(), actor_id=cast.carlos.id)] == [a, b]
    assert [t.key for t in queries.my_tickets(services.uow(), actor_id=cast.ana.id)] == [a]
    queue = queries.team_queue(services.uow(), actor_id=cast.ana.id)
    assert {t.key for t in queue} == {a, b}
    assert {t.team for t in queries.team_queue(services.uow(), actor_id=cast.ana.id,
                                                team="L2")} == {"L2"}


def test_security_incident_carries_the_iso_27001_record(services, settings, cast):
    from datetime import UTC, datetime

    sec = new(services, settings, cast.emma, "I clicked a link in a phishing email",
              kind="security", impact="high", urgency="high")
    assert sec.key == "SEC-1" and sec.category == "security" and sec.team == "L2"
    record = record_security_details(services.uow(), key=sec.key, actor_id=cast.luis.id, fields={
        "discovered_where": "Outlook inbox", "discoverer_action": "reported",
        "severity": "high", "owner_learned_at": datetime(2026, 11, 25, 10, 0, tzinfo=UTC)})
    assert record["discovered_by"] == "Emma Brown"
    assert record["discoverer_action"] == "reported" and record["severity"] == "high"
    assert record["owner_learned_at"] == datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    inc = new(services, settings, cast.emma, "Mouse broken").key
    with pytest.raises(InvalidInput):
        record_security_details(services.uow(), key=inc, actor_id=cast.luis.id,
                                fields={"severity": "high"})


# --- refusals: a clear error and not one row written ------------------------------------------

def _open_claimed_resolved(services, settings, cast):
    open_ = new(services, settings, cast.carlos).key
    claimed = new(services, settings, cast.carlos, "Teclado roto").key
    work.claim(services.uow(), key=claimed, actor_id=cast.luis.id)
    resolved = new(services, settings, cast.carlos, "Monitor parpadea").key
    work.resolve(services.uow(), key=resolved, actor_id=cast.luis.id, summary="Cable nuevo")
    closed = new(services, settings, cast.carlos, "Mouse").key
    work.resolve(services.uow(), key=closed, actor_id=cast.luis.id, summary="Pilas")
    closure.confirm(services.uow(), key=closed, actor_id=cast.carlos.id)
    return open_, claimed, resolved, closed


REFUSALS = [
    # (description, call(services, settings, cast, keys), error type, code)
    ("employee claims", lambda s, st, c, k: work.claim(s.uow(), key=k[0], actor_id=c.carlos.id),
     RoleRefused, "staff_only"),
    ("employee private note", lambda s, st, c, k: work.note(
        s.uow(), key=k[0], actor_id=c.emma.id, text="x"), RoleRefused, "staff_only"),
    ("employee transfers", lambda s, st, c, k: work.transfer(
        s.uow(), key=k[0], actor_id=c.carlos.id, team="L3"), RoleRefused, "staff_only"),
    ("employee resolves", lambda s, st, c, k: work.resolve(
        s.uow(), key=k[0], actor_id=c.carlos.id, summary="ok"), RoleRefused, "staff_only"),
    ("other employee comments", lambda s, st, c, k: work.comment(
        s.uow(), key=k[0], actor_id=c.emma.id, text="hi"), RoleRefused, "not_your_ticket"),
    ("other employee reads", lambda s, st, c, k: queries.show_ticket(
        s.uow(), key=k[0], actor_id=c.emma.id), RoleRefused, "not_your_ticket"),
    ("technician confirms for requester", lambda s, st, c, k: closure.confirm(
        s.uow(), key=k[2], actor_id=c.luis.id), RoleRefused, "requester_only"),
    ("technician rates", lambda s, st, c, k: closure.answer_survey(
        s.uow(), st, key=k[2], actor_id=c.luis.id, rating=5), RoleRefused, "requester_only"),
    ("employee lists a queue", lambda s, st, c, k: queries.team_queue(
        s.uow(), actor_id=c.carlos.id), RoleRefused, "staff_only"),
    ("claim taken ticket", lambda s, st, c, k: work.claim(
        s.uow(), key=k[1], actor_id=c.ana.id), AlreadyClaimed, "already_claimed"),
    ("claim own ticket twice", lambda s, st, c, k: work.claim(
        s.uow(), key=k[1], actor_id=c.luis.id), Conflict, "already_yours"),
    ("confirm open ticket", lambda s, st, c, k: closure.confirm(
        s.uow(), key=k[0], actor_id=c.carlos.id), IllegalTransition, "illegal_transition"),
    ("resume ticket not pending", lambda s, st, c, k: work.resume(
        s.uow(), key=k[1], actor_id=c.luis.id), IllegalTransition, "illegal_transition"),
    ("comment on closed", lambda s, st, c, k: work.comment(
        s.uow(), key=k[3], actor_id=c.carlos.id, text="hola?"), IllegalTransition, "ticket_final"),
    ("reopen closed", lambda s, st, c, k: work.reopen(
        s.uow(), key=k[3], actor_id=c.luis.id), IllegalTransition, "illegal_transition"),
    ("pending on resolved", lambda s, st, c, k: work.set_pending(
        s.uow(), key=k[2], actor_id=c.luis.id, question="?"), IllegalTransition,
     "illegal_transition"),
    ("survey before resolution", lambda s, st, c, k: closure.answer_survey(
        s.uow(), st, key=k[0], actor_id=c.carlos.id, rating=4), IllegalTransition,
     "survey_not_open"),
    ("rating out of scale", lambda s, st, c, k: closure.answer_survey(
        s.uow(), st, key=k[2], actor_id=c.carlos.id, rating=9), InvalidInput, "bad_rating"),
    ("unknown key", lambda s, st, c, k: work.claim(
        s.uow(), key="INC-999", actor_id=c.ana.id), NotFound, "ticket_not_found"),
    ("garbage key", lambda s, st, c, k: work.claim(
        s.uow(), key="'; DROP TABLE tickets; --", actor_id=c.ana.id), NotFound,
     "ticket_not_found"),
    ("empty comment", lambda s, st, c, k: work.comment(
        s.uow(), key=k[0], actor_id=c.carlos.id, text="   "), InvalidInput, "empty_text"),
    ("huge comment", lambda s, st, c, k: work.comment(
        s.uow(), key=k[0], actor_id=c.carlos.id, text="a" * 20000), InvalidInput,
     "text_too_long"),
    ("transfer to an employee", lambda s, st, c, k: work.transfer(
        s.uow(), key=k[0], actor_id=c.luis.id, person="carlos@example.com"), InvalidInput,
     "not_a_technician"),
    ("transfer to unknown team", lambda s, st, c, k: work.transfer(
        s.uow(), key=k[0], actor_id=c.luis.id, team="L9"), NotFound, "team_not_found"),
    ("unknown category", lambda s, st, c, k: open_ticket(s.uow(), st, NewTicket(
        requester_id=c.carlos.id, description="x", category="coffee")), InvalidInput,
     "bad_choice"),
    ("huge description", lambda s, st, c, k: open_ticket(s.uow(), st, NewTicket(
        requester_id=c.carlos.id, description="🔥" * 20000)), InvalidInput, "text_too_long"),
]


@pytest.mark.parametrize("call,error,code", [r[1:] for r in REFUSALS],
                         ids=[r[0] for r in REFUSALS])
def test_refusals_explain_and_write_nothing(services, settings, cast, call, error, code):
    keys = _open_claimed_resolved(services, settings, cast)
    before = row_counts(services)
    with pytest.raises(error) as err:
        call(services, settings, cast, keys)
    assert err.value.code == code
    assert row_counts(services) == before
    for lang in ("es", "en"):
        sentence = services.messages.error(err.value, lang)
        assert sentence and "{{" not in sentence and code not in sentence


def test_a_request_for_a_person_reaches_the_team_and_its_leads(services, settings, cast):
    from sqlalchemy import select

    from store.models import Event, OutboxMessage

    key = new(services, settings, cast.carlos, "La impresora hace ruido", category="hardware").key
    with services.uow() as uow:
        ticket = uow.tickets.get(key, lock=True)
        uow.events.append(ticket, "commented", actor=uow.people.get(cast.carlos.id),
                          payload={"text": "Quiero hablar con alguien", "handover": True})
        uow.commit()
        event_id = uow.session.scalar(select(Event.id).where(Event.type == "commented"))
        recipients = [m.recipient for m in uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.key.like(f"event:{event_id}:%")))]
    assert {"type": "team", "team": "L1"} in recipients
    assert any(r.get("person_id") == cast.marta.id for r in recipients)
    text = services.messages.render("notify.commented", "es", ticket={"key": key, "title": "x"},
                                    event={"payload": {"text": "hola", "handover": True}},
                                    actor="Carlos Gómez")
    assert "pide hablar con una persona" in text


def test_a_security_incident_is_never_less_urgent_than_configured(services, settings, cast):
    assert settings.security_min_priority == "P2"
    sec = new(services, settings, cast.emma, "Someone logged in as me", kind="security",
              impact="low", urgency="low")
    inc = new(services, settings, cast.emma, "Mouse is slow", impact="low", urgency="low")
    assert (sec.priority, inc.priority) == ("P2", "P4")
