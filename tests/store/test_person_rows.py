"""A turn reads its sender as a plain row; the people it changes are still stored as changed.

Every turn starts by reading who wrote (``PersonRepository.known``), without the ORM building
an entity. A use case of the same turn that needs the entity (a language switch, a ticket's
requester) gets it from that row without a second read, and what it changes is written at the
commit, as when the entity was loaded.
"""

from __future__ import annotations

from sqlalchemy import event

from actions.people import person_at, set_language
from actions.services import Services
from tests.conftest import Cast


def _statements(services: Services) -> list[str]:
    seen: list[str] = []
    event.listen(services.engine, "before_cursor_execute",
                 lambda _c, _k, statement, *_a: seen.append(statement))
    return seen


def test_a_person_read_by_the_turn_and_switched_to_english_is_stored_in_english(
        services: Services, cast: Cast) -> None:
    with services.turn() as turn:
        person = person_at(services.uow(), channel="slack", address="UCARLOS")
        assert person is not None and person.language == "es"
        assert person.addresses == {"slack": "UCARLOS", "email": "carlos@example.com"}
        seen = _statements(services)
        entity = turn.people.get(person.id)  # from the row read above: no statement
        assert not seen and entity.name == "Carlos Gómez"
        set_language(services.uow(), person_id=person.id, language="en")
        assert turn.people.row(person.id).language == "en"  # the change shows in the turn
        turn.commit()
    assert any(s.startswith("UPDATE people") for s in seen)
    again = person_at(services.uow(), channel="slack", address="UCARLOS")
    assert again is not None and again.language == "en"
    assert again.addresses == {"slack": "UCARLOS", "email": "carlos@example.com"}


def test_a_person_read_by_the_turn_and_left_alone_writes_nothing(
        services: Services, cast: Cast) -> None:
    with services.turn() as turn:
        person = person_at(services.uow(), channel="email", address="Emma@Example.com")
        assert person is not None and person.id == cast.emma.id
        seen = _statements(services)
        entity = turn.people.get(person.id)  # the entity with its addresses, as loaded
        assert sorted(c.channel for c in entity.channels) == ["email", "slack"]
        assert not seen  # nothing read again
        turn.commit()
    assert not [s for s in seen if s.startswith(("INSERT", "UPDATE", "DELETE"))]


def test_nobody_at_an_address_is_nobody(services: Services, cast: Cast) -> None:
    assert person_at(services.uow(), channel="slack", address="UNOBODY") is None
