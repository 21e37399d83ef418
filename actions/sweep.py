"""The desk's timed work, run by the scheduler (``bot/scheduler.py``) or ``deskbot sla sweep``:

* SLA: a warning at ``sla.warn_at`` of each target and a breach notice at 100 %, to the assignee,
  the team channel and the team leads; escalation one level up on breach when configured;
* pending tickets: a reminder to the requester after ``pending_reminder_days``, resolved by the
  desk after ``pending_autoresolve_days``;
* resolved tickets: one survey reminder after ``survey_reminder_days``, closed by the desk after
  ``desk.auto_close_days`` (the requester is told why).

Every automatic change and notice is an event with actor None (the desk), so the outbox hook
queues its messages in the same transaction. Each is done *once* however many processes sweep
the same database: candidates come from indexed queries (``sla_next_at``, ``status`` +
``paused_at`` / ``resolved_at``; never a scan of open tickets in Python), then each ticket is
handled in its own short transaction that locks the row (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL: a ticket another process is handling is skipped; SQLite serialises writers), checks
the condition again, and claims the notice by inserting its ``notices`` row (primary key: ticket
+ kind) in the same transaction as the event and the outbox rows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, exists, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from actions import sla_clock
from actions.closure import offer_survey
from actions.common import now as desk_now
from actions.ports import Desk
from actions.sla import milestones
from actions.work import escalate
from store.errors import DeskError
from store.lifecycle import Status
from store.models import Event, Notice, SurveyAnswer, Ticket

log = logging.getLogger(__name__)

#: A survey reminder later than this after it was due is no longer worth sending.
SURVEY_REMINDER_WINDOW = timedelta(days=7)


@dataclass
class SweepReport:
    """What one sweep did, as ``KEY target`` strings per kind of work."""

    warnings: list[str] = field(default_factory=list)
    breaches: list[str] = field(default_factory=list)
    escalations: list[str] = field(default_factory=list)
    pending_reminders: list[str] = field(default_factory=list)
    auto_resolved: list[str] = field(default_factory=list)
    survey_reminders: list[str] = field(default_factory=list)
    auto_closed: list[str] = field(default_factory=list)
    checked: int = 0

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @property
    def actions(self) -> int:
        return sum(len(v) for v in self.__dict__.values() if isinstance(v, list))


class _Skip(Exception):
    """Raised inside a transaction to roll it back: someone else already did this work."""


def sweep(services: Desk, *, now: datetime | None = None, limit: int = 500) -> SweepReport:
    """Run every timed job once (at most ``limit`` tickets each)."""
    at = now or desk_now()
    report = SweepReport()
    cut = Cutoffs.at(services.settings, at)
    queries = candidates(services.settings, at, limit)
    for ticket_id in _ids(services, queries["sla"]):
        report.checked += 1
        _sla_ticket(services, ticket_id, at, report)
    for ticket_id in _ids(services, queries["auto_resolve"]):
        _auto_resolve(services, ticket_id, cut.resolve_pending, at, report)
    for ticket_id in _ids(services, queries["pending_reminder"]):
        _pending_reminder(services, ticket_id, cut.remind_pending, at, report)
    if "survey_reminder" in queries:
        for ticket_id in _ids(services, queries["survey_reminder"]):
            _survey_reminder(services, ticket_id, cut.remind_survey, at, report)
    for ticket_id in _ids(services, queries["auto_close"]):
        _auto_close(services, ticket_id, cut.close_resolved, at, report)
    if report.actions:
        log.info("sweep: %s", {k: v for k, v in report.to_dict().items() if v})
    return report


@dataclass(frozen=True)
class Cutoffs:
    """Instants before which each timed job applies (from the settings and the sweep's time)."""

    resolve_pending: datetime
    remind_pending: datetime
    remind_survey: datetime
    close_resolved: datetime

    @classmethod
    def at(cls, settings: Any, at: datetime) -> Cutoffs:
        sla = settings.sla
        return cls(at - timedelta(days=sla.pending_autoresolve_days),
                   at - timedelta(days=sla.pending_reminder_days),
                   at - timedelta(days=sla.survey_reminder_days),
                   at - timedelta(days=settings.auto_close_days))


def candidates(settings: Any, at: datetime, limit: int) -> dict[str, Select[Any]]:
    """The queries that find each job's tickets: each is a range scan of an index
    (``sla_next_at``; ``status`` + ``paused_at``; ``status`` + ``resolved_at``) whose cost grows
    with the work due, not with the number of open tickets. ``bench.sla`` EXPLAINs them."""
    cut = Cutoffs.at(settings, at)
    pending = Status.PENDING.value
    reminded = exists().where(Notice.ticket_id == Ticket.id,
                              Notice.kind.like("pending_reminder:%"),
                              Notice.sent_at >= Ticket.paused_at)
    queries: dict[str, Select[Any]] = {
        "sla": select(Ticket.id).where(Ticket.sla_next_at <= at)
        .order_by(Ticket.sla_next_at).limit(limit),
        "auto_resolve": select(Ticket.id).where(
            Ticket.status == pending, Ticket.paused_at <= cut.resolve_pending)
        .order_by(Ticket.paused_at).limit(limit),
        "pending_reminder": select(Ticket.id).where(
            Ticket.status == pending, Ticket.paused_at <= cut.remind_pending,
            Ticket.paused_at > cut.resolve_pending, ~reminded)
        .order_by(Ticket.paused_at).limit(limit),
        "auto_close": select(Ticket.id).where(
            Ticket.status == Status.RESOLVED.value, Ticket.resolved_at <= cut.close_resolved)
        .order_by(Ticket.resolved_at).limit(limit),
    }
    if settings.survey_questions:
        answered = exists().where(SurveyAnswer.ticket_id == Ticket.id)
        surveyed = exists().where(Notice.ticket_id == Ticket.id, Notice.kind == "survey_reminder")
        queries["survey_reminder"] = select(Ticket.id).where(
            Ticket.status.in_((Status.RESOLVED.value, Status.CLOSED.value)),
            Ticket.resolved_at <= cut.remind_survey,
            Ticket.resolved_at > cut.remind_survey - SURVEY_REMINDER_WINDOW,
            ~answered, ~surveyed).order_by(Ticket.resolved_at).limit(limit)
    return queries


def claim_notice(session: Session, ticket_id: int, kind: str, at: datetime) -> bool:
    """Insert the notice row unless it exists; True when this transaction claimed it."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    claimed = session.execute(insert(Notice).values(ticket_id=ticket_id, kind=kind, sent_at=at)
                              .on_conflict_do_nothing().returning(Notice.ticket_id)).first()
    return claimed is not None


def _ids(services: Desk, query: Any) -> list[int]:
    with services.session_factory() as session:
        return list(session.scalars(query).all())


def _lock(session: Session, ticket_id: int) -> Ticket | None:
    """The ticket under a row lock, or None when another process holds it (PostgreSQL)."""
    query = select(Ticket).where(Ticket.id == ticket_id).with_for_update(of=Ticket)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Ticket, skip_locked=True)
    return session.scalars(query.execution_options(populate_existing=True)).unique().one_or_none()


def _sla_ticket(services: Desk, ticket_id: int, at: datetime, report: SweepReport) -> None:
    """Announce every warning and breach a ticket has reached, then schedule its next check."""
    sla = services.settings.sla
    to_escalate: list[str] = []
    uow = services.uow()
    with uow:
        ticket = _lock(uow.session, ticket_id)
        if ticket is None or ticket.sla_next_at is None or ticket.sla_next_at > at:
            return  # another process has it, or already moved it on
        calendar = sla_clock.calendar_of(uow)
        upcoming = milestones(ticket, sla, calendar)
        reached = [m for m in upcoming if m.when <= at]
        breached = {m.target for m in reached if m.type == "sla_breach"}
        for m in reached:
            if not claim_notice(uow.session, ticket.id, m.kind, at):
                continue
            if m.type == "sla_warning" and m.target in breached:
                continue  # a late sweep: the breach notice says it all
            uow.events.append(ticket, m.type, actor=None, at=at, visibility="internal", payload={
                "target": m.target, "due_at": m.due_at.isoformat(),
                "target_minutes": m.target_minutes, "warn_at": sla.warn_at,
                "assignee": ticket.assignee.name if ticket.assignee else None,
            })
            (report.breaches if m.type == "sla_breach" else report.warnings).append(
                f"{ticket.key} {m.target}")
        if sla.escalate_on_breach:
            to_escalate = [t for t in sorted(breached)
                           if uow.session.get(Notice, (ticket.id, f"sla_escalated:{t}")) is None]
        later = [m.when for m in upcoming if m.when > at]
        # An escalation still to do keeps the ticket due, so a crash before it is retried.
        ticket.sla_next_at = at if to_escalate else (min(later) if later else None)
        key = ticket.key
        uow.commit()
    for target in to_escalate:
        _escalate(services, ticket_id, key, target, at, report)
    if to_escalate:
        _sla_ticket(services, ticket_id, at, report)


def _escalate(services: Desk, ticket_id: int, key: str, target: str, at: datetime,
              report: SweepReport) -> None:
    """Escalate on breach, once: the notice is claimed inside the escalation's own transaction."""
    kind = f"sla_escalated:{target}"

    def guard(uow: Any) -> None:
        if not claim_notice(uow.session, ticket_id, kind, at):
            raise _Skip(kind)

    uow = services.uow()
    uow.before_commit(guard)
    try:
        escalate(uow, key=key, actor_id=None, reason=f"SLA {target} breached",
                 ladder={c: t.escalates_to for c, t in services.settings.teams.items()})
        report.escalations.append(f"{key} {target}")
    except _Skip:
        return
    except DeskError as exc:  # top level already, or no longer workable: nothing to escalate
        log.info("sweep: %s not escalated (%s)", key, exc.code)
        with services.session_factory() as session, session.begin():
            claim_notice(session, ticket_id, kind, at)


def _last_question(session: Session, ticket: Ticket) -> str | None:
    event = session.scalars(select(Event).where(Event.ticket_id == ticket.id,
                                                Event.type == "pending")
                            .order_by(Event.seq.desc()).limit(1)).first()
    return (event.payload or {}).get("question") if event else None


def _still_pending_since(session: Session, ticket_id: int, before: datetime) -> Ticket | None:
    """The ticket, locked, if it has waited on its requester since ``before`` (checked again
    under the lock: another process may have moved it since the candidates were read)."""
    ticket = _lock(session, ticket_id)
    if (ticket is None or ticket.status != Status.PENDING.value or ticket.paused_at is None
            or ticket.paused_at > before):
        return None
    return ticket


def _pending_reminder(services: Desk, ticket_id: int, before: datetime, at: datetime,
                      report: SweepReport) -> None:
    sla = services.settings.sla
    uow = services.uow()
    with uow:
        ticket = _still_pending_since(uow.session, ticket_id, before)
        if ticket is None or ticket.paused_at is None:
            return
        kind = f"pending_reminder:{int(ticket.paused_at.timestamp())}"
        if not claim_notice(uow.session, ticket.id, kind, at):
            return
        uow.events.append(ticket, "pending_reminder", actor=None, at=at, payload={
            "question": _last_question(uow.session, ticket),
            "since": ticket.paused_at.isoformat(),
            "days": sla.pending_reminder_days,
            "resolve_after_days": sla.pending_autoresolve_days,
        })
        report.pending_reminders.append(ticket.key)
        uow.commit()


def _auto_resolve(services: Desk, ticket_id: int, before: datetime, at: datetime,
                  report: SweepReport) -> None:
    sla = services.settings.sla
    uow = services.uow()
    with uow:
        row = _still_pending_since(uow.session, ticket_id, before)
        if row is None:
            return
        ticket = uow.tickets.aggregate(row)
        events = ticket.resolve_unanswered(
            at=at, clock=sla_clock.stopwatch_of(uow), days=sla.pending_autoresolve_days,
            question=_last_question(uow.session, row))
        uow.tickets.save(ticket, events, uow.events).updated_at = at
        report.auto_resolved.append(ticket.key)
        uow.commit()


def _survey_reminder(services: Desk, ticket_id: int, due: datetime, at: datetime,
                     report: SweepReport) -> None:
    """Remind the requester once of the unanswered satisfaction survey."""
    question = services.settings.survey_questions[0]
    uow = services.uow()
    with uow:
        ticket = _lock(uow.session, ticket_id)
        if (ticket is None or ticket.resolved_at is None or ticket.resolved_at > due
                or ticket.status not in (Status.RESOLVED.value, Status.CLOSED.value)
                or uow.surveys.answers(ticket)
                or not claim_notice(uow.session, ticket.id, "survey_reminder", at)):
            return
        if not offer_survey(uow, services.settings, ticket, at):
            uow.commit()  # not sampled, asked recently, or expired: the claim says "done"
            return
        uow.events.append(ticket, "survey_reminder", actor=None, at=at, payload={
            "question_id": question.id, "scale": question.scale})
        report.survey_reminders.append(ticket.key)
        uow.commit()


def _auto_close(services: Desk, ticket_id: int, before: datetime, at: datetime,
                report: SweepReport) -> None:
    """Close a resolved ticket the requester never confirmed (``desk.auto_close_days``)."""
    uow = services.uow()
    with uow:
        row = _lock(uow.session, ticket_id)
        if (row is None or row.status != Status.RESOLVED.value
                or row.resolved_at is None or row.resolved_at > before):
            return
        ticket = uow.tickets.aggregate(row)
        events = ticket.close_unconfirmed(at=at, days=services.settings.auto_close_days)
        uow.tickets.save(ticket, events, uow.events).updated_at = at
        report.auto_closed.append(ticket.key)
        uow.commit()
