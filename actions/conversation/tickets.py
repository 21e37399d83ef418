"""Tickets from the conversation: open one, tell its status, add the employee's comments, and
hand over to a person.

A ticket opened here stores the conversation's ``thread_ref`` as its ``channel_ref``: the outbox
then answers in the same thread, and what the employee writes in that thread lands on the ticket.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from actions import queries, similar_intake, work
from actions.common import now, view
from actions.conversation.base import DeskAction, Replies, Turn, slots
from actions.conversation.faq import described_problem
from actions.conversation.payloads import button
from actions.conversation.prompts import closure_prompt
from actions.intake import NewTicket, open_ticket
from actions.promises import promise_for
from actions.services import Services
from actions.views import TicketView
from store.errors import NotFound
from store.lifecycle import ACTIVE, Status
from store.models import Ticket
from store.uow import UnitOfWork


def thread_ticket(services: Services, channel: str, thread_ref: str | None) -> TicketView | None:
    """The newest ticket opened in this thread, if any."""
    if not thread_ref:
        return None
    with services.uow() as uow:
        ticket = uow.session.scalars(
            select(Ticket).where(Ticket.channel == channel, Ticket.channel_ref == thread_ref)
            .order_by(Ticket.id.desc()).limit(1)
        ).unique().first()
        return view(uow, ticket) if ticket is not None else None


def target_key(services: Services, turn: Turn) -> str | None:
    """The ticket a turn is about: named in the message, chosen by the policy, or the thread's."""
    key = turn.entity("ticket_key") or turn.slots.get("target_key")
    if key:
        return str(key)
    number = turn.entity("ticket_number")
    if number is not None:
        return key_for_number(services, turn.person.id, str(number))
    ticket = thread_ticket(services, turn.channel, turn.thread_ref)
    return ticket.key if ticket else None


def key_for_number(services: Services, person_id: int, number: str) -> str:
    """"el ticket 12": the person's own ticket with that number (the newest if several kinds)."""
    with services.uow() as uow:
        mine = [t for t in uow.tickets.list(requester_id=person_id, limit=1000)
                if str(t.number) == number.lstrip("#0") or str(t.number) == number]
        if not mine:
            raise NotFound("ticket_not_found", key=f"#{number}")
        return max(mine, key=lambda t: t.id).key


def ticket_facts(services: Services, ticket: TicketView, lang: str) -> dict[str, Any]:
    """What the "ticket opened" message promises: due times in the person's time zone, whether
    the desk is open now, who is on call (actions/promises.py)."""
    promise = promise_for(services.settings, ticket, now())
    return {"ticket": ticket, "promise": promise.context(), "tz": ticket.requester.timezone}


def request_human(uow: UnitOfWork, *, key: str, actor_id: int, text: str) -> TicketView:
    """The person asks for a technician: a public comment flagged ``handover`` on the ticket.

    The flag lets queues and reports pick out tickets where someone asked for a person; the
    comment itself reaches the assignee (or the team through the queue) like any other.
    """
    return work.comment(uow, key=key, actor_id=actor_id, text=text, handover=True)


class ActionOpenTicket(DeskAction):
    def name(self) -> str:
        return "action_open_ticket"

    def act(self, out: Replies, turn: Turn) -> list[dict[str, Any]]:
        problem = dict(turn.slots.get("problem") or {})
        if not problem and turn.slots.get("awaiting") == "description" \
                and not turn.text.startswith("/"):
            problem = described_problem(self.services, turn)
        # An open ticket with the same problem is offered first (actions.similar_intake).
        answered = similar_intake.before_opening(self.services, out, turn, problem,
                                                 problem_category(self.services, turn, problem))
        if answered is not None:
            return answered
        if not problem:
            return self._nothing_to_open(out, turn)
        ticket = open_from_problem(self.services, turn, problem)
        self.opened(out, ticket)
        return slots(ticket_key=ticket.key, problem=None, suggestions=[], awaiting=None)

    def _nothing_to_open(self, out: Replies, turn: Turn) -> list[dict[str, Any]]:
        key = turn.slots.get("ticket_key")
        if key:
            with self.services.uow() as uow:
                ticket = view(uow, uow.tickets.get(key))
            if ticket.status in ACTIVE:
                out.say("ticket_exists", ticket=ticket)
                return []
        out.say("ask_description")
        return slots(awaiting="description")

    def opened(self, out: Replies, ticket: TicketView) -> None:
        facts = ticket_facts(self.services, ticket, out.language)
        cancel = button(out.text("cancel_button"), "cancel_ticket", ticket_key=ticket.key)
        out.say("ticket_opened", **facts, buttons=[cancel], custom={
            "kind": "ticket_opened", "ticket_key": ticket.key, "category": ticket.category,
            "priority": ticket.priority, "team": ticket.team, "status": ticket.status})


def problem_category(services: Services, turn: Turn, problem: dict[str, Any]) -> str:
    """The category of the problem: the NLU's, else the best suggested article's, else other."""
    suggestions = turn.slots.get("suggestions") or []
    category = (problem.get("category") or (suggestions[0]["category"] if suggestions else None)
                or "other")
    return category if category in services.settings.categories else "other"


def open_from_problem(services: Services, turn: Turn, problem: dict[str, Any],
                      *, kind: str | None = None, urgency: str | None = None,
                      impact: str | None = None) -> TicketView:
    """Open the ticket the conversation gathered: category from the NLU, else the best article's."""
    category = problem_category(services, turn, problem)
    if kind == "security":
        category = "security"
    channel_ref = turn.thread_ref
    if channel_ref and thread_ticket(services, turn.channel, channel_ref) is not None:
        channel_ref = None  # a thread belongs to one ticket; this one is told by direct message
    return open_ticket(services.uow(), services.settings, NewTicket(
        requester_id=turn.person.id, description=str(problem.get("text") or turn.text),
        kind=kind or problem.get("kind") or "incident", category=category,
        impact=impact or problem.get("impact") or "medium",
        urgency=urgency or problem.get("urgency") or "medium",
        channel=turn.channel, channel_ref=channel_ref, language=turn.language,
        faq_shown=problem.get("faq")))


class ActionTicketStatus(DeskAction):
    """A ticket's status (one's own only) or the list of one's tickets."""

    def name(self) -> str:
        return "action_ticket_status"

    def act(self, out: Replies, turn: Turn) -> list[dict[str, Any]]:
        key = target_key(self.services, turn)
        viewer = {"timezone": turn.person.timezone, "name": turn.person.name}
        if key:
            ticket = queries.show_ticket(self.services.uow(), key=key, actor_id=turn.person.id)
            recent = [e for e in ticket.history if e.visibility == "public"][-3:]
            out.say("ticket_status", ticket=ticket, recent=recent, viewer=viewer,
                    custom={"kind": "ticket_status", "ticket_key": ticket.key,
                            "status": ticket.status})
            return []
        tickets = queries.my_tickets(self.services.uow(), actor_id=turn.person.id)
        out.say("my_tickets", tickets=tickets, viewer=viewer,
                custom={"kind": "ticket_list", "tickets": [t.key for t in tickets]})
        return []


class ActionAddComment(DeskAction):
    """What the employee writes in a ticket's thread becomes a public comment on it."""

    def name(self) -> str:
        return "action_add_comment"

    def act(self, out: Replies, turn: Turn) -> list[dict[str, Any]]:
        key = target_key(self.services, turn)
        if key is None:
            out.say("help", name=turn.person.name)
            return []
        with self.services.uow() as uow:
            before = uow.tickets.get(key).status
        ticket = work.comment(self.services.uow(), key=key, actor_id=turn.person.id,
                              text=turn.text)
        custom = {"kind": "comment_added", "ticket_key": ticket.key, "status": ticket.status}
        if before == Status.PENDING and ticket.status != Status.PENDING:
            out.say("comment_resumed", ticket=ticket, custom=custom)
        else:
            out.say("comment_added", ticket=ticket, custom=custom)
        if ticket.status == Status.RESOLVED and ticket.requester.id == turn.person.id:
            out.add(closure_prompt(ticket, out.language, out.messages))
        return slots(ticket_key=ticket.key)


#: Questions that leave the problem they are about open: "talk to a person" then means it.
CURRENT_PROBLEM = frozenset({"faq", "faq_which", "open_confirm", "security_confirm"})


class ActionHandover(DeskAction):
    """Talk to a human: flag the open ticket, or open one flagged, and say where they'll answer.
    Without a current problem it asks what it is about first."""

    def name(self) -> str:
        return "action_handover"

    def act(self, out: Replies, turn: Turn) -> list[dict[str, Any]]:
        ticket = self._open_ticket_of(turn)
        if ticket is not None:
            ticket = request_human(self.services.uow(), key=ticket.key,
                                   actor_id=turn.person.id, text=turn.text)
            out.say("handover_attached", ticket=ticket,
                    custom={"kind": "handover", "ticket_key": ticket.key})
            return slots(ticket_key=ticket.key, awaiting=None)
        problem = self._current_problem(turn)
        if problem is None:
            out.say("handover_ask")
            return slots(awaiting="handover", problem=None, suggestions=[])
        ticket = open_from_problem(self.services, turn, problem)
        ticket = request_human(self.services.uow(), key=ticket.key, actor_id=turn.person.id,
                               text=turn.text)
        out.say("handover_opened", **ticket_facts(self.services, ticket, out.language),
                custom={"kind": "ticket_opened", "ticket_key": ticket.key,
                        "category": ticket.category, "priority": ticket.priority,
                        "team": ticket.team, "status": ticket.status, "handover": True})
        return slots(ticket_key=ticket.key, problem=None, suggestions=[], awaiting=None)

    def _current_problem(self, turn: Turn) -> dict[str, Any] | None:
        """What the ticket is about: the problem whose suggestions are on screen, the answer to
        "what is it about?", or the message itself when it names a thing ("quiero hablar con
        alguien, la vpn no conecta"). A problem from an earlier, finished exchange is not it."""
        awaiting = turn.slots.get("awaiting")
        problem = turn.slots.get("problem")
        if problem and awaiting in CURRENT_PROBLEM:
            return dict(problem)
        if turn.text.startswith("/"):
            return None
        if awaiting == "handover" or turn.entity("category"):
            return {"text": turn.text, "category": turn.entity("category"),
                    "kind": "request" if turn.intent == "request_service" else "incident"}
        return None

    def _open_ticket_of(self, turn: Turn) -> TicketView | None:
        candidates = [thread_ticket(self.services, turn.channel, turn.thread_ref)]
        key = turn.slots.get("ticket_key")
        if key:
            with self.services.uow() as uow:
                candidates.append(view(uow, uow.tickets.get(key)))
        for ticket in candidates:
            if ticket is not None and ticket.status in ACTIVE \
                    and ticket.requester.id == turn.person.id:
                return ticket
        return None
