"""The App Home tab for one person.

Employees: their tickets and statuses. Technicians and leads: tickets assigned to them, their
team's unassigned queue, and what is about to breach its SLA (the soonest due first: first
response while nobody has answered, else resolution).
"""

from __future__ import annotations

from datetime import datetime

from slack_sdk import WebClient

from actions import queries
from actions.services import Services
from actions.views import PersonView, TicketView
from bot.blocks.home import home_view
from bot.slack.text import labels, say

BREACH_LIST = 10


def due_at(ticket: TicketView) -> datetime | None:
    """The next SLA deadline of an active ticket (None while paused or without targets)."""
    if ticket.status in ("pending", "resolved", "closed", "cancelled"):
        return None
    if ticket.first_response_at is None and ticket.response_due_at is not None:
        return ticket.response_due_at
    return ticket.resolution_due_at


def about_to_breach(tickets: list[TicketView], limit: int = BREACH_LIST) -> list[TicketView]:
    dated = [t for t in tickets if due_at(t) is not None]
    return sorted(dated, key=lambda t: due_at(t))[:limit]  # type: ignore[arg-type,return-value]


def build_home(services: Services, person: PersonView):  # type: ignore[no-untyped-def]
    lang, tz = person.language, person.timezone

    def lines(tickets: list[TicketView]) -> list[str]:
        return [say(services, "ticket_line", lang, t=t, tz=tz) for t in tickets]

    mine = queries.my_tickets(services.uow(), actor_id=person.id)
    if person.is_staff:
        queue = queries.team_queue(services.uow(), actor_id=person.id) if person.team else []
        unassigned = [t for t in queue if t.assignee is None]
        seen = {t.key: t for t in [*queue, *mine]}
        breaching = about_to_breach(list(seen.values()))
        lists = [
            (say(services, "home_breaching", lang),
             [say(services, "due_line", lang, t=t, due=due_at(t), tz=tz) for t in breaching]),
            (say(services, "home_mine_staff", lang), lines(mine)),
            (say(services, "home_queue", lang, team=person.team or "-"), lines(unassigned)),
        ]
    else:
        lists = [(say(services, "home_mine_requester", lang), lines(mine))]
    label = labels(services, lang)
    return home_view(title=label("home_title"), intro=say(services, "home_intro", lang,
                                                          name=person.name),
                     lists=lists, empty=say(services, "home_none", lang),
                     form_button=label("open_form_button"))


def publish_home(services: Services, client: WebClient, person: PersonView) -> None:
    member = person.address("slack")
    if not member:
        return
    client.views_publish(user_id=member, view=build_home(services, person))
