"""Learning from use: confirmed answers and resolved tickets teach the matcher, at once.

Driven through the console as people use the desk: an employee's message, the "this solved it"
button or a ticket a technician resolves naming the article; then the matcher (the same one the
desk uses, reading what was learned from the database) and the admin's list and forget.
"""

from __future__ import annotations

import pytest

from actions.intake import NewTicket
from actions.intake import open_ticket as open_intake
from actions.kb_gaps import kb_gaps
from actions.learning import forget, learned
from actions.reports import Period
from actions.services import Services
from bot.console import Console
from store.errors import InvalidInput
from tests.conftest import Cast

UNKNOWN = "la tablet del almacen no escanea los paquetes"
SIMILAR = "no escanea paquetes la tablet del almacén"


def open_ticket(console: Console, text: str) -> None:
    console.feed("/new")
    console.feed(text)
    console.feed("/open_ticket")


def top(desk: Services, text: str) -> list[str]:
    return [m.article.id for m in desk.matcher.search(text)]


def test_a_confirmed_suggestion_is_learned_as_the_persons_own_words(
        desk: Services, console: Console) -> None:
    console.feed("la vpn no conecta desde casa, ya reinicie")
    console.feed("1")  # "Esto lo resolvió" on the first suggestion
    [row] = learned(desk.uow())
    assert (row.article_id, row.source) == ("vpn-no-conecta", "confirmed")
    assert row.text == "la vpn no conecta desde casa, ya reinicie"
    console.feed("/new")
    console.feed("la vpn no conecta desde casa, ya reinicie")
    console.feed("1")
    assert len(learned(desk.uow())) == 1  # the same wording is learned once


def test_a_ticket_resolved_with_an_article_teaches_the_matcher_at_once(
        desk: Services, console: Console, people: Cast) -> None:
    assert "escaner-a-correo" not in top(desk, SIMILAR)
    open_ticket(console, UNKNOWN)
    console.feed("/as Ana")
    wrong = "\n".join(console.feed("/ticket resolve INC-1 --article no-such-article listo"))
    assert "no-such-article" in wrong
    with desk.uow() as uow:
        assert uow.tickets.get("INC-1").status != "resolved"  # refused, nothing written
    console.feed("/ticket resolve INC-1 --article escaner-a-correo Configuré el perfil")
    with desk.uow() as uow:
        ticket = uow.tickets.get("INC-1")
        assert (ticket.status, ticket.resolution) == ("resolved", "Configuré el perfil")
    [row] = learned(desk.uow(), "escaner-a-correo")
    assert (row.text, row.source, row.ticket_key) == (UNKNOWN, "resolved", "INC-1")
    assert top(desk, SIMILAR)[0] == "escaner-a-correo"  # the next message finds it
    console.feed("/as Emma")
    reply = "\n".join(console.feed(SIMILAR))
    assert "This solved it" in reply or "Esto lo resolvió" in reply


def test_forget_removes_a_learned_phrasing_from_the_matcher(
        desk: Services, console: Console, people: Cast) -> None:
    open_ticket(console, UNKNOWN)
    console.feed("/as Ana")
    console.feed("/ticket resolve INC-1 --article escaner-a-correo")
    [row] = learned(desk.uow())
    assert top(desk, SIMILAR)[0] == "escaner-a-correo"
    forget(desk.uow(), row.id)
    assert learned(desk.uow()) == []
    assert "escaner-a-correo" not in top(desk, SIMILAR)
    with pytest.raises(InvalidInput):
        forget(desk.uow(), row.id)


def test_kb_gaps_groups_tickets_the_knowledge_base_did_not_settle(
        desk: Services, console: Console, people: Cast) -> None:
    def ticket(text: str) -> str:
        command = NewTicket(requester_id=people.carlos.id, description=text)
        return open_intake(desk.uow(), desk.settings, command).key

    first = ticket(UNKNOWN)  # nothing to suggest
    second = ticket("otra vez la tablet del almacén no escanea paquetes")  # the same gap
    vpn = ticket("la vpn no conecta desde casa")  # an article was suggested and did not help
    settled = ticket("mi escaner no manda los pdf al correo")  # resolved with an article
    console.feed("/as Ana")
    console.feed(f"/ticket resolve {settled} --article escaner-a-correo")
    gaps = {(g.kind, g.article_id): g for g in kb_gaps(desk.uow(), desk.matcher,
                                                        Period.last_days())}
    tablet = gaps[("unanswered", None)]
    assert tablet.tickets == [first, second] and "tablet" in tablet.words
    assert gaps[("not_helpful", "vpn-no-conecta")].tickets == [vpn]
    assert all(settled not in g.tickets for g in gaps.values())


def test_a_running_desk_uses_what_it_learned_itself_at_once(
        desk: Services, console: Console, people: Cast) -> None:
    """``deskbot run`` reads the learned counter at most once a minute here, for other
    processes' changes; what this process learned is used from the next question on."""
    desk.look_for_article_changes_every(60.0)
    assert "escaner-a-correo" not in top(desk, SIMILAR)  # the counter was read just now
    open_ticket(console, UNKNOWN)
    console.feed("/as Ana")
    console.feed("/ticket resolve INC-1 --article escaner-a-correo Configuré el perfil")
    assert top(desk, SIMILAR)[0] == "escaner-a-correo"
