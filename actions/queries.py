"""Reading tickets: one ticket with its history, my tickets, a team's queue.

The requester sees only public events; staff see internal notes too. That single rule is what
keeps private notes private in every channel.
"""

from __future__ import annotations

from actions.access import is_staff, require_party, require_staff
from actions.common import view
from actions.views import TicketView
from store.lifecycle import ACTIVE, Status
from store.uow import UnitOfWork


def show_ticket(uow: UnitOfWork, *, key: str, actor_id: int | None) -> TicketView:
    """A ticket with its history; ``actor_id=None`` is an admin at the command line."""
    with uow:
        ticket = uow.tickets.get(key)
        staff = True
        if actor_id is not None:
            actor = uow.people.get(actor_id)
            require_party(actor, ticket, "show")
            staff = is_staff(actor)
        return view(uow, ticket, include_internal=staff, with_history=True)


def my_tickets(uow: UnitOfWork, *, actor_id: int, include_closed: bool = False,
               ) -> list[TicketView]:
    """Staff: tickets assigned to me. Everyone else: tickets I asked for."""
    with uow:
        actor = uow.people.get(actor_id)
        statuses = None if include_closed else [*ACTIVE, Status.RESOLVED]
        if is_staff(actor):
            tickets = uow.tickets.list(statuses=statuses, assignee_id=actor.id)
        else:
            tickets = uow.tickets.list(statuses=statuses, requester_id=actor.id)
        return [view(uow, t) for t in tickets]


def team_queue(uow: UnitOfWork, *, actor_id: int, team: str | None = None,
               unassigned_only: bool = False) -> list[TicketView]:
    """Open work of a team (the actor's own team by default), most urgent first."""
    with uow:
        actor = uow.people.get(actor_id)
        require_staff(actor, "queue")
        code = uow.teams.get(team).code if team else actor.team_code
        tickets = uow.tickets.list(statuses=list(ACTIVE), team=code, unassigned=unassigned_only)
        return [view(uow, t) for t in tickets]


def list_tickets(uow: UnitOfWork, *, statuses: list[str] | None = None, team: str | None = None,
                 limit: int = 200) -> list[TicketView]:
    """Admin listing for the command line."""
    with uow:
        return [view(uow, t) for t in uow.tickets.list(statuses=statuses, team=team, limit=limit)]
