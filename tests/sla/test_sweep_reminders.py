"""Reminders and automatic status changes: pending questions, surveys, auto-resolve, auto-close."""

from __future__ import annotations

from actions import closure, work
from actions.messages import Messages
from actions.sweep import sweep
from tests.sla.conftest import events, later, open_with, outbox, set_sla

QUESTION = "¿Qué modelo de impresora es?"


def _text(row) -> str:
    return Messages("plain").render(f"notify.{row.template}", row.language, **row.context,
                                    recipient=row.recipient)


def _to_requester(services, template: str, key: str):
    return [r for r in outbox(services, template)
            if r.recipient["type"] == "thread" and r.recipient["ticket"] == key]


def _pending_ticket(services, cast, clock):
    set_sla(services, escalate_on_breach=False)
    view = open_with(services, cast, "P4")
    clock.move_to(later(10))
    work.set_pending(services.uow(), key=view.key, actor_id=cast.ana.id, question=QUESTION)
    return view


def test_requester_is_reminded_once_then_the_desk_resolves_it(services, cast, clock):
    view = _pending_ticket(services, cast, clock)
    clock.move_to(later(9, days=2))
    assert not sweep(services).pending_reminders
    for minutes in (11, 12, 60 * 24):
        clock.move_to(later(minutes, days=2))
        sweep(services)
    [reminder] = _to_requester(services, "pending_reminder", view.key)
    assert reminder.context["event"]["payload"]["question"] == QUESTION
    text = _text(reminder)
    assert QUESTION in text and "3 días" in text
    assert [e.actor_id for e in events(services, view.key, "pending_reminder")] == [None]

    clock.move_to(later(9, days=5))
    assert not sweep(services).auto_resolved
    clock.move_to(later(11, days=5))
    assert sweep(services).auto_resolved == [view.key]
    with services.uow() as uow:
        ticket = uow.tickets.get(view.key)
        assert ticket.status == "resolved" and ticket.paused_at is None
    [resolved] = events(services, view.key, "resolved")
    assert resolved.actor_id is None and resolved.payload["by"] == "system"
    [message] = _to_requester(services, "resolved", view.key)
    assert "5 días sin tu respuesta" in _text(message)
    clock.move_to(later(12, days=5))
    assert sweep(services).actions == 0


def test_each_new_question_gets_its_own_reminder(services, cast, clock):
    view = _pending_ticket(services, cast, clock)
    clock.move_to(later(11, days=2))
    sweep(services)
    clock.move_to(later(0, days=3))
    work.comment(services.uow(), key=view.key, actor_id=cast.carlos.id, text="Una HP")
    work.set_pending(services.uow(), key=view.key, actor_id=cast.ana.id, question="¿Y el piso?")
    clock.move_to(later(1, days=5))
    sweep(services)  # the second question has waited 2 days: remind; nothing to resolve yet
    questions = [e.payload["question"] for e in events(services, view.key, "pending_reminder")]
    assert questions == [QUESTION, "¿Y el piso?"]
    assert not events(services, view.key, "resolved")


def test_survey_reminder_once_then_auto_close_telling_the_requester_why(services, cast, clock):
    view = open_with(services, cast, "P3")
    work.resolve(services.uow(), key=view.key, actor_id=cast.ana.id, summary="Cambié el tóner")
    clock.move_to(later(-1, days=1))
    assert sweep(services).actions == 0
    for minutes in (1, 2, 60):
        clock.move_to(later(minutes, days=1))
        sweep(services)
    [reminder] = _to_requester(services, "survey_reminder", view.key)
    assert "del 1 al 5" in _text(reminder)

    clock.move_to(later(-1, days=3))
    assert not sweep(services).auto_closed
    clock.move_to(later(1, days=3))
    assert sweep(services).auto_closed == [view.key]
    [closed] = events(services, view.key, "closed")
    assert closed.actor_id is None and closed.payload["reason"] == "no_confirmation"
    [message] = _to_requester(services, "closed", view.key)
    text = _text(message)
    assert "automáticamente" in text and "3 días" in text
    clock.move_to(later(0, days=4))
    assert sweep(services).actions == 0
    assert len(_to_requester(services, "survey_reminder", view.key)) == 1


def test_no_survey_reminder_after_an_answer_and_no_auto_close_after_confirmation(
        services, cast, clock):
    view = open_with(services, cast, "P3")
    work.resolve(services.uow(), key=view.key, actor_id=cast.ana.id, summary="Listo")
    closure.confirm(services.uow(), key=view.key, actor_id=cast.carlos.id)
    closure.answer_survey(services.uow(), services.settings, key=view.key,
                          actor_id=cast.carlos.id, rating=5)
    clock.move_to(later(0, days=4))
    assert sweep(services).actions == 0
    assert [e.actor_id for e in events(services, view.key, "closed")] == [cast.carlos.id]


def test_english_requester_is_told_in_english(services, cast, clock):
    view = open_with(services, cast, "P3", requester=cast.emma)
    work.resolve(services.uow(), key=view.key, actor_id=cast.ana.id, summary="Done")
    clock.move_to(later(1, days=3))
    sweep(services)
    [message] = _to_requester(services, "closed", view.key)
    assert message.language == "en"
    assert "closed" in _text(message) and "3 days ago" in _text(message)
