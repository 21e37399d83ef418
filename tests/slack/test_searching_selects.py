"""The transfer form's technicians and the reply form's saved replies, when there are more than
one Slack select holds (100): the select searches as the technician types (``block_suggestion``
over HTTP, signed), and what is chosen there is submitted and acted on like a listed option.
Fewer keep the listed select (tests/slack/test_slack_surfaces.py, test_tech_tools.py)."""

from __future__ import annotations

from typing import Any

from actions.people import NewPerson, add_person
from actions.replies import add_reply
from bot.ids import ActionId, BlockId, CallbackId
from tests.slack.conftest import TRIAGE, Harness

MANY = 110


def _element(view: dict[str, Any], block: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b.get("block_id") == block)["element"]


def _values(slack: Harness, user: str, view: dict[str, Any], block: str, typed: str,
            ) -> list[str]:
    answer = slack.suggest(user, view, block, typed)
    assert answer.status == 200
    options = answer.json()["options"]
    assert len(options) <= 100
    return [o["value"] for o in options]


def _picked(value: str) -> dict[str, Any]:
    return {"value": {"type": "external_select", "selected_option": {"value": value}}}


def test_a_transfer_to_one_of_many_technicians_is_searched_by_name(slack: Harness) -> None:
    people = [add_person(slack.services.uow(), NewPerson(
        name=f"Técnica Número {n:03d}", role="technician", team="L3")) for n in range(MANY)]
    far = people[-3]  # listed after the first 100
    ticket = slack.open_ticket(slack.cast.carlos, "la impresora no imprime")
    slack.deliver()
    card = slack.card()
    slack.click("UANA", card, TRIAGE["L1"], ActionId.TRANSFER)
    view = slack.api.wait_calls("views.open")[0].body["view"]
    element = _element(view, BlockId.PERSON)
    assert element["type"] == "external_select" and "options" not in element
    assert len(_values(slack, "UANA", view, BlockId.PERSON, "")) == 100
    assert _values(slack, "UANA", view, BlockId.PERSON, "tecnica NUMERO 107") == [str(far.id)]
    assert str(slack.cast.sam.id) in _values(slack, "UANA", view, BlockId.PERSON, "lee")
    assert _values(slack, "UCARLOS", view, BlockId.PERSON, "tecnica") == []  # an employee
    slack.submit("UANA", CallbackId.TRANSFER_FORM, {BlockId.PERSON: _picked(str(far.id))},
                 metadata=view["private_metadata"])
    slack.api.wait_for(lambda: getattr(slack.ticket(ticket.key).assignee, "name", None)
                       == far.name, what="transferred")
    assert slack.ticket(ticket.key).team == "L3"


def test_one_of_many_saved_replies_is_searched_and_sent(slack: Harness) -> None:
    for n in range(MANY):
        add_reply(slack.services.uow(), slack.services.settings, actor_id=slack.cast.marta.id,
                  reply_id=f"impresora-{n:03d}", title=f"Impresora del piso {n:03d}",
                  body=f"Hola {{{{ requester }}}}, revisa la impresora del piso {n:03d}.")
    key = slack.open_ticket(slack.cast.carlos, "La VPN se cae cada 10 minutos",
                            category="network").key
    opened = len(slack.api.calls_to("views.open"))
    slack.command("ULUIS", f"reply {key}")
    view = slack.api.wait_calls("views.open", opened + 1)[-1].body["view"]
    assert _element(view, BlockId.SAVED_REPLY)["type"] == "external_select"
    assert len(_values(slack, "ULUIS", view, BlockId.SAVED_REPLY, "")) == 100
    assert "vpn-reset" in _values(slack, "ULUIS", view, BlockId.SAVED_REPLY, "vpn")
    assert "impresora-108" in _values(slack, "ULUIS", view, BlockId.SAVED_REPLY, "piso 108")
    slack.submit("ULUIS", CallbackId.REPLY_FORM, {
        BlockId.SAVED_REPLY: _picked("impresora-108"),
        BlockId.VISIBILITY: {"value": {"type": "static_select",
                                       "selected_option": {"value": "public"}}}},
        metadata=view["private_metadata"])
    slack.api.wait_for(lambda: any(e.type == "commented" for e in slack.ticket(key).history),
                       what="the saved reply sent")
    sent = [e for e in slack.ticket(key).history if e.type == "commented"][-1]
    assert sent.payload["text"] == "Hola Carlos, revisa la impresora del piso 108."
