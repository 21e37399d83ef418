"""A second chat channel plugs in without touching ``actions/``, ``store/`` or the Slack channel.

A minimal in-memory chat (rooms of plain-text lines) is written here, in the tests, with only
the pieces every channel has: an inbound adapter that hands what a person typed to one
conversation turn (``actions.conversation.turn.converse``), a deliverer for the outbox, a text
flavour (``services.plain``), and one registration at its composition root
(``services.add_channel``). The whole journey then works through it: FAQ suggestions, a
ticket opened from the conversation, a technician's public reply and the resolution arriving in
the same room thread, each message delivered once.
"""

from __future__ import annotations

from collections import defaultdict

from actions.conversation.turn import Inbound, converse
from actions.outbox import DeliveryError, OutboxItem, deliver_due
from actions.people import ensure_person, team_address
from actions.services import Services
from actions.views import PersonView
from actions.work import claim, comment, resolve
from tests.conftest import Cast

CHANNEL = "chat"


class MemoryChat:
    """The channel: rooms of threads of lines. ``write`` is its inbound adapter; ``deliver``
    makes it an outbox ``Deliverer``."""

    name = CHANNEL

    def __init__(self, services: Services) -> None:
        self.services = services
        self.messages = services.plain
        self.threads: dict[str, list[str]] = defaultdict(list)
        self.delivered: list[str] = []  # outbox keys, to see that nothing arrives twice

    # --- inbound --------------------------------------------------------------------------
    def write(self, user: str, thread: str, text: str) -> None:
        def who() -> PersonView:  # the chat's own user names are its people's addresses
            return ensure_person(self.services.uow(), channel=CHANNEL, address=user, name=user)

        self.threads[thread].append(f"{user}: {text}")
        converse(self.services, Inbound(channel=CHANNEL, ref=thread, text=text,
                                        messages=self.messages), who)

    # --- outbound -------------------------------------------------------------------------
    def deliver(self, item: OutboxItem) -> None:
        self.delivered.append(item.key)
        kind = item.recipient.get("type")
        if kind == "reply":
            for reply in item.context.get("replies") or []:
                buttons = " | ".join(b["title"] for b in reply.get("buttons") or [])
                self.threads[item.recipient["ref"]].append(
                    f"desk: {reply['text']}" + (f" [{buttons}]" if buttons else ""))
        elif kind == "thread":
            thread = self._thread_of(item)
            self.threads[thread].append("desk: " + self.messages.render(
                f"notify.{item.template}", item.language, ticket=item.context.get("ticket"),
                event=item.context.get("event"), actor=item.context.get("actor"),
                recipient=item.recipient))
        elif kind == "team":  # the team's own room on this chat
            room = team_address(self.services.uow(), team=item.recipient["team"], channel=CHANNEL)
            self.threads[room or "?"].append("desk: " + self.messages.render(
                f"notify.{item.template}", item.language, ticket=item.context.get("ticket"),
                event=item.context.get("event"), actor=item.context.get("actor"),
                recipient=item.recipient))
        else:
            raise DeliveryError(f"no such recipient here: {kind}", retryable=False)

    def _thread_of(self, item: OutboxItem) -> str:
        from actions.queries import show_ticket

        ticket = show_ticket(self.services.uow(), key=item.ticket_key or "", actor_id=None)
        return str(ticket.channel_ref)

    def lines(self, thread: str) -> str:
        return "\n".join(self.threads[thread])


def test_a_memory_chat_runs_the_whole_journey(services: Services, cast: Cast) -> None:
    chat = MemoryChat(services)
    services.add_channel(chat)  # the channel's one registration
    chat.write("rosa", "room-1", "no puedo conectarme a la vpn desde casa")
    assert "VPN" in chat.lines("room-1") and "[" in chat.lines("room-1")  # suggestions
    chat.write("rosa", "room-1", "/open_ticket")
    assert "INC-1" in chat.lines("room-1")
    from actions.queries import show_ticket

    requester = show_ticket(services.uow(), key="INC-1", actor_id=None).requester
    assert requester.address(CHANNEL) == "rosa"  # known by the chat's own address, no new column
    claim(services.uow(), key="INC-1", actor_id=cast.ana.id)
    comment(services.uow(), key="INC-1", actor_id=cast.ana.id, text="¿Qué error te muestra?")
    resolve(services.uow(), key="INC-1", actor_id=cast.ana.id, summary="Certificado renovado")
    deliver_due(services, {CHANNEL: chat})  # anything left for the worker (nothing, normally)
    shown = chat.lines("room-1")
    assert "¿Qué error te muestra?" in shown and "Certificado renovado" in shown
    assert len(chat.delivered) == len(set(chat.delivered))  # once each
    assert not chat.threads.keys() - {"room-1"}  # everything in the conversation's thread


def test_a_team_reached_on_the_chat_hears_of_its_new_tickets(services: Services,
                                                             cast: Cast) -> None:
    """A team's room on a plugged-in channel is one more address: nothing else changes."""
    from sqlalchemy import select

    from actions.people import set_team_address
    from store.models import OutboxMessage

    set_team_address(services.uow(), team="L1", channel=CHANNEL, address="room-l1")
    chat = MemoryChat(services)
    services.add_channel(chat)
    chat.write("rosa", "room-1", "el teclado no escribe")
    chat.write("rosa", "room-1", "/open_ticket")
    assert "INC-1" in chat.lines("room-l1")  # the team's room heard of the new ticket
    with services.uow() as uow:
        team_rows = [(r.channel, r.status) for r in uow.session.scalars(select(OutboxMessage))
                     if r.recipient.get("type") == "team"]
    assert team_rows == [(CHANNEL, "delivered")]  # and only there: no Slack row for a chat team
