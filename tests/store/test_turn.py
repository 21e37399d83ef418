"""One turn, one transaction: use cases joined to a turn commit together, or not at all.

``Services.turn()`` opens the transaction; every unit of work opened in it joins it as a
savepoint, so a refusal half-way undoes only the use case that refused, and nothing (tickets,
events, outbox rows, the delivery's dedupe key) is stored until the turn commits.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from actions.dedupe import first_delivery
from actions.intake import NewTicket, open_ticket
from actions.services import Services
from actions.work import comment
from store.errors import NotFound
from store.models import Conversation, OutboxMessage, Ticket
from tests.conftest import Cast


def _count(services: Services, model: type) -> int:
    with services.session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _open(services: Services, cast: Cast, text: str) -> str:
    return open_ticket(services.uow(), services.settings, NewTicket(
        requester_id=cast.carlos.id, description=text)).key


def test_nothing_is_stored_until_the_turn_commits(services: Services, cast: Cast) -> None:
    with services.turn():
        key = _open(services, cast, "la impresora no imprime")  # commits its savepoint only
        assert key == "INC-1"
    assert _count(services, Ticket) == 0 and _count(services, OutboxMessage) == 0


def test_a_refusal_undoes_only_its_own_use_case(services: Services, cast: Cast) -> None:
    commits: list[object] = []
    event.listen(services.engine, "commit", commits.append)
    with services.turn() as turn:
        key = _open(services, cast, "el wifi se cae cada cinco minutos")
        with pytest.raises(NotFound):
            comment(services.uow(), key="INC-999", actor_id=cast.carlos.id, text="¿y?")
        comment(services.uow(), key=key, actor_id=cast.carlos.id, text="desde ayer")
        turn.commit()
    assert len(commits) == 1
    with services.uow() as uow:
        types = [e.type for e in uow.events.history(uow.tickets.get(key), include_internal=True)]
    assert types[-1] == "commented" and types.count("commented") == 1
    assert _count(services, OutboxMessage) >= 1  # the triage card, queued in the same commit


def test_a_delivery_is_worked_once_unless_its_turn_died(services: Services) -> None:
    with services.turn() as turn:
        assert first_delivery(turn, "slack:EvONCE")
        # the process dies here: no commit
    with services.turn() as turn:
        assert first_delivery(turn, "slack:EvONCE")  # the retry does the work
        turn.commit()
    with services.turn() as turn:
        assert not first_delivery(turn, "slack:EvONCE")  # a later retry does nothing


def test_a_use_case_that_fails_after_queueing_a_message_takes_the_message_back(
        services: Services, cast: Cast) -> None:
    """The rows a turn writes with plain statements (outbox, conversation state) still belong
    to the use case that wrote them: its failure undoes them, the rest of the turn stays."""
    from actions.conversation.state import ConversationState, save_state

    with services.turn() as turn:
        save_state(services.uow(), ConversationState(channel="slack", ref="D1:1.0001",
                                                     person_id=cast.carlos.id))
        with pytest.raises(NotFound), services.uow() as uow:
            uow.outbox.add(OutboxMessage(key="notice:1", channel="email",
                                         recipient={"type": "person",
                                                    "person_id": cast.carlos.id},
                                         template="reply", context={}), new_key=True)
            save_state(services.uow(), ConversationState(channel="slack", ref="D1:2.0001",
                                                         person_id=cast.carlos.id))
            raise NotFound("ticket_not_found", key="INC-999")
        turn.commit()
    assert _count(services, OutboxMessage) == 0
    with services.session_factory() as session:
        refs = session.scalars(select(Conversation.ref)).all()
    assert refs == ["D1:1.0001"]
