"""Where the desk reaches people and teams: one address per channel, kept in its own rows.

A person is recognised by any of their addresses (a Slack id, a mailbox, a plug-in channel's
user id), an address belongs to one person only, a person an admin registered by mail keeps
their record when they first write on Slack, and a team's triage channel follows config.yml.
"""

from __future__ import annotations

import dataclasses

import pytest

from actions.people import (
    NewPerson,
    add_person,
    address_of,
    ensure_person,
    list_people,
    person_at,
    sync_teams,
    team_address,
    update_person,
)
from actions.services import Services
from actions.settings import Settings
from store.errors import Conflict, InvalidInput


def test_a_person_is_found_by_each_of_their_addresses(services: Services) -> None:
    rosa = add_person(services.uow(), NewPerson(
        name="Rosa Díaz", addresses={"slack": "U0ROSA", "email": " Rosa@Example.com ",
                                     "teams": "29:1abc"}))
    assert rosa.addresses == {"slack": "U0ROSA", "email": "rosa@example.com",
                              "teams": "29:1abc"}
    for channel, address in (("slack", "U0ROSA"), ("email", "ROSA@example.com"),
                             ("teams", "29:1abc")):
        found = person_at(services.uow(), channel=channel, address=address)
        assert found is not None and found.id == rosa.id
    assert person_at(services.uow(), channel="teams", address="U0ROSA") is None  # not Teams'
    assert address_of(services, rosa.id, channel="email") == "rosa@example.com"
    assert address_of(services, rosa.id, channel="whatsapp") is None
    assert update_person(services.uow(), "29:1abc", vip=True).vip  # an admin's reference


def test_an_address_belongs_to_one_person(services: Services) -> None:
    add_person(services.uow(), NewPerson(name="Rosa", addresses={"slack": "U0ROSA"}))
    with pytest.raises(Conflict):
        add_person(services.uow(), NewPerson(
            name="Otra Rosa", addresses={"email": "otra@example.com", "slack": "U0ROSA"}))
    with pytest.raises(InvalidInput):
        add_person(services.uow(), NewPerson(name="Sin Arroba", addresses={"email": "nope"}))
    assert [p.name for p in list_people(services.uow())] == ["Rosa"]  # nothing half-written


def test_someone_registered_by_mail_keeps_their_record_on_their_first_slack_message(
        services: Services) -> None:
    ana = add_person(services.uow(), NewPerson(name="Ana Torres", role="technician", team="L1",
                                               addresses={"email": "ana@example.com"}))
    seen = ensure_person(services.uow(), channel="slack", address="UANA",
                         also={"email": "Ana@Example.com"}, name="ana.t")
    assert (seen.id, seen.role, seen.name) == (ana.id, "technician", "Ana Torres")
    assert seen.addresses == {"email": "ana@example.com", "slack": "UANA"}
    again = ensure_person(services.uow(), channel="slack", address="UANA")
    assert again.id == ana.id and len(list_people(services.uow())) == 1


def test_a_new_sender_is_registered_with_every_address_the_channel_knows(
        services: Services) -> None:
    new = ensure_person(services.uow(), channel="slack", address="U0NEW",
                        also={"email": "new@example.com"}, name="Nuevo", language="en")
    assert (new.role, new.language) == ("requester", "en")
    assert new.addresses == {"slack": "U0NEW", "email": "new@example.com"}
    with pytest.raises(InvalidInput):
        ensure_person(services.uow(), channel="slack", address="  ")


def test_a_teams_triage_channel_follows_config(services: Services, settings: Settings) -> None:
    def with_channel(channel: str) -> Settings:
        teams = dict(settings.teams)
        teams["L1"] = dataclasses.replace(teams["L1"], slack_channel=channel)
        return dataclasses.replace(settings, teams=teams)

    sync_teams(services.uow(), with_channel("C0123456789"))
    assert team_address(services.uow(), team="L1", channel="slack") == "C0123456789"
    assert team_address(services.uow(), team="L2", channel="slack") is None
    sync_teams(services.uow(), with_channel("C0999999999"))  # moved to another channel
    assert team_address(services.uow(), team="L1", channel="slack") == "C0999999999"
    sync_teams(services.uow(), with_channel(""))  # taken out of config.yml
    assert team_address(services.uow(), team="L1", channel="slack") is None


def test_an_admin_changes_and_forgets_addresses_all_or_nothing(services: Services) -> None:
    rosa = add_person(services.uow(), NewPerson(name="Rosa", addresses={"slack": "U0ROSA",
                                                                        "email": "r@x.com"}))
    add_person(services.uow(), NewPerson(name="Otro", addresses={"slack": "U0OTRO"}))
    changed = update_person(services.uow(), "U0ROSA", addresses={"slack": "U0ROSA2", "email": ""},
                            language="en")
    assert (changed.addresses, changed.language) == ({"slack": "U0ROSA2"}, "en")
    assert person_at(services.uow(), channel="slack", address="U0ROSA") is None
    with pytest.raises(Conflict):
        update_person(services.uow(), "Rosa", addresses={"slack": "U0OTRO"}, vip=True)
    with pytest.raises(InvalidInput):
        update_person(services.uow(), "Rosa", addresses={"email": "no-arroba"})
    again = person_at(services.uow(), channel="slack", address="U0ROSA2")
    assert again is not None and again.id == rosa.id and not again.vip
