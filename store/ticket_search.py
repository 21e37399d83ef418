"""Finding tickets by what a person filters on: status, team, priority, requester, text.

The scope comes first and is not optional for the caller that passes it: an employee's search
is bound to their own tickets, a technician's to their team's (and those assigned to them), so a
filter can only narrow what a person may see, never widen it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from store.models import Person, Ticket
from store.repositories import parse_key


@dataclass(frozen=True)
class TicketFilter:
    status: str | None = None
    team: str | None = None
    priority: str | None = None
    requester: str | None = None
    text: str | None = None


@dataclass(frozen=True)
class Scope:
    """Whose tickets: everything (None everywhere), a requester's, or a team's plus an
    assignee's own."""

    requester_id: int | None = None
    team: str | None = None
    assignee_id: int | None = None


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def search(session: Session, scope: Scope, f: TicketFilter, *, limit: int = 50,
           offset: int = 0) -> tuple[int, Sequence[Ticket]]:
    """How many tickets match, and one page of them, newest first."""
    query = select(Ticket)
    if scope.requester_id is not None:
        query = query.where(Ticket.requester_id == scope.requester_id)
    if scope.team is not None or scope.assignee_id is not None:
        query = query.where(or_(Ticket.team_code == scope.team,
                                Ticket.assignee_id == scope.assignee_id))
    if f.status:
        query = query.where(Ticket.status == f.status)
    if f.team:
        query = query.where(Ticket.team_code == f.team)
    if f.priority:
        query = query.where(Ticket.priority == f.priority)
    if f.requester:
        people = select(Person.id).where(func.lower(Person.name).like(_like(f.requester),
                                                                       escape="\\"))
        query = query.where(Ticket.requester_id.in_(people))
    if f.text:
        parsed = parse_key(f.text)
        pattern = _like(f.text)
        conditions: list[ColumnElement[bool]] = [
            func.lower(Ticket.title).like(pattern, escape="\\"),
            func.lower(Ticket.description).like(pattern, escape="\\")]
        if parsed is not None:
            conditions.append(Ticket.key == f"{parsed[0]}-{parsed[1]}")
        query = query.where(or_(*conditions))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(limit).offset(offset)
    ).unique().all()
    return int(total), rows
