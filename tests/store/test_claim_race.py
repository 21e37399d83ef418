"""Two or more technicians claiming at once: exactly one wins, the others are told who did."""

from __future__ import annotations

import threading

import pytest

from actions import work
from actions.intake import NewTicket, open_ticket
from actions.people import NewPerson, add_person
from store.errors import AlreadyClaimed

RACES = 50
RACERS = 4


def _race(services, key: str, technicians) -> tuple[list[str], list[str]]:
    barrier = threading.Barrier(len(technicians))
    winners: list[str] = []
    losers: list[str] = []
    lock = threading.Lock()

    def attempt(tech) -> None:
        barrier.wait()
        try:
            view = work.claim(services.uow(), key=key, actor_id=tech.id)
            with lock:
                winners.append(view.assignee.name)
        except AlreadyClaimed as exc:
            with lock:
                losers.append(exc.params["by"])

    threads = [threading.Thread(target=attempt, args=(t,)) for t in technicians]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return winners, losers


def _technicians(services):
    return [add_person(services.uow(), NewPerson(name=f"Tech {i}", role="technician",
                                                 team="L1",
                                                 addresses={"email": f"tech{i}@example.com"}))
            for i in range(RACERS)]


@pytest.mark.postgres
def test_fifty_claim_races_on_postgres_have_one_winner_each(pg_services, settings, cast):
    techs = _technicians(pg_services)
    for race in range(RACES):
        key = open_ticket(pg_services.uow(), settings, NewTicket(
            requester_id=cast.carlos.id, description=f"Race {race}")).key
        winners, losers = _race(pg_services, key, techs)
        assert len(winners) == 1, (race, winners, losers)
        assert losers == winners * (RACERS - 1)
    with pg_services.engine.connect() as conn:
        from sqlalchemy import text

        claims = conn.execute(text(
            "SELECT ticket_id, count(*) FROM events WHERE type = 'claimed' GROUP BY ticket_id"
        )).all()
    assert len(claims) == RACES and {n for _, n in claims} == {1}


def test_claim_race_on_sqlite_has_one_winner(sqlite_services, settings):
    from tests.conftest import add_cast

    cast = add_cast(sqlite_services)
    techs = _technicians(sqlite_services)
    for race in range(10):
        key = open_ticket(sqlite_services.uow(), settings, NewTicket(
            requester_id=cast.carlos.id, description=f"Race {race}")).key
        winners, losers = _race(sqlite_services, key, techs)
        assert len(winners) == 1 and len(losers) == RACERS - 1
