"""The triage card's "an article answers it", over HTTP with the Slack stand-in (SQLite): an
employee rejects the suggestions in a DM and opens a ticket (what was shown is kept on it); a
technician opens the form from the card, sees the ticket's suggestions first, picks one; the
requester's message is learned for it, the ticket records it privately and the technician gets
a private confirmation. Refusals (an employee, a closed or unknown ticket, an unknown article)
say why and write nothing."""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from actions.faq_shown import EVENT as SHOWN
from actions.learning import learned
from actions.settings import Settings
from bot.ids import ActionId, BlockId, CallbackId
from store.models import OutboxMessage
from tests.slack.conftest import TRIAGE, Harness, Response, _harness, blocks_text
from tests.store.helpers import row_counts

ROOT = Path(__file__).resolve().parents[2]
DM = "DUCARLOS"
ASKED = "no puedo conectarme a la vpn desde casa"


def _stored(slack: Harness, channel: str, contains: str) -> dict[str, Any]:
    return slack.api.wait_for(lambda: next(
        (m for m in reversed(slack.api.messages.get(channel, [])) if contains in blocks_text(m)),
        None), what=f"stored message with {contains!r}")


def _button_with(message: dict[str, Any], payload_start: str) -> str:
    for block in message.get("blocks") or []:
        for element in block.get("elements") or []:
            if str(element.get("value") or "").startswith(payload_start):
                return str(element["action_id"])
    raise AssertionError(f"no button with {payload_start}")


def _card(slack: Harness, key: str, team: str = "L2") -> dict[str, Any]:
    slack.deliver()
    return slack.api.wait_for(lambda: next(
        (m for m in slack.api.messages.get(TRIAGE[team], []) if key in blocks_text(m)
         and not m.get("thread_ts")), None), what=f"the card of {key}")


def _ephemeral_to(slack: Harness, user: str, contains: str) -> dict[str, Any]:
    return slack.api.wait_for(lambda: next(
        (c.body for c in slack.api.calls_to("chat.postEphemeral")
         if c.body.get("user") == user and contains in str(c.body.get("text"))), None),
        what=f"an ephemeral answer with {contains!r}")


def _form(slack: Harness, user: str, card: dict[str, Any]) -> dict[str, Any]:
    opened = len(slack.api.calls_to("views.open"))
    slack.click(user, card, TRIAGE["L2"], ActionId.ARTICLE)
    return slack.api.wait_calls("views.open", opened + 1)[-1].body["view"]


def _choose(slack: Harness, user: str, view: dict[str, Any], article: str | None, *,
            kind: str = "static_select") -> Any:
    value = {"type": kind,
             "selected_option": {"value": article} if article else None}
    return slack.submit(user, CallbackId.ARTICLE_FORM, {BlockId.ARTICLE: {"value": value}},
                        metadata=view["private_metadata"])


def _writes(slack: Harness) -> dict[str, int]:
    """Rows per table, but the inbox (every request is recorded), the people (a person is
    registered on first contact) and the private answers to whoever acted (outbox rows too,
    so that Slack failing to show them is retried: what a refusal says, not what it wrote)."""
    counts = {k: v for k, v in row_counts(slack.services).items()
              if k not in ("inbox", "people")}
    with slack.services.session_factory() as session:
        counts["outbox"] -= len(session.scalars(select(OutboxMessage.id).where(
            OutboxMessage.template == "ephemeral")).all())
    return counts


def _options(view: dict[str, Any]) -> list[list[str]]:
    select = next(b for b in view["blocks"] if b.get("block_id") == BlockId.ARTICLE)
    return [[o["value"] for o in g["options"]] for g in select["element"]["option_groups"]]


def test_a_technician_says_which_article_answers_the_ticket(slack: Harness) -> None:
    # The employee asks, the suggestions do not help, a ticket is opened.
    slack.dm("UCARLOS", ASKED)
    suggestions = _stored(slack, DM, "Abrir ticket")
    slack.click("UCARLOS", suggestions, DM, _button_with(suggestions, "/open_ticket"))
    _stored(slack, DM, "*INC-1*")  # "I opened INC-1", in the DM's thread
    [shown] = [e for e in slack.ticket("INC-1").history if e.type == SHOWN]
    assert shown.visibility == "internal"
    assert shown.payload["articles"][0]["article_id"] == "vpn-no-conecta"
    # The card offers "Un artículo lo responde"; its form lists the ticket's suggestions first.
    card = _card(slack, "INC-1")
    assert "Un artículo lo responde" in json.dumps(card["blocks"], ensure_ascii=False)
    view = _form(slack, "UANA", card)
    assert view["callback_id"] == CallbackId.ARTICLE_FORM
    # The desk's own knowledge base fits in one select: every article listed, no search.
    select = next(b for b in view["blocks"] if b.get("block_id") == BlockId.ARTICLE)
    assert select["element"]["type"] == "static_select"
    assert sum(map(len, _options(view))) == len(slack.services.matcher.articles) < 100
    suggested, others = _options(view)
    assert suggested[0] == "vpn-no-conecta" and len(suggested) <= 3
    assert not set(suggested) & set(others) and len(suggested) + len(others) <= 100
    assert ASKED in json.dumps(view["blocks"], ensure_ascii=False)  # what it is about
    # Nothing chosen: the form says so and stays open.
    empty = _choose(slack, "UANA", view, None)
    assert empty.status == 200 and BlockId.ARTICLE.value in empty.body
    # The VPN refused an expired password: she picks the password article. Learned, recorded,
    # confirmed.
    _choose(slack, "UANA", view, "restablecer-contrasena")
    told = _ephemeral_to(slack, "UANA", "INC-1")
    assert told["channel"] == TRIAGE["L2"] and "restablecer-contrasena" in told["text"]
    assert told["text"].startswith("Anotado")
    [row] = learned(slack.services.uow(), "restablecer-contrasena")
    assert (row.text, row.source, row.ticket_key) == (ASKED, "linked", "INC-1")
    [linked] = [e for e in slack.ticket("INC-1").history if e.type == "article_linked"]
    assert linked.visibility == "internal" and linked.actor == "Ana Torres"
    found = slack.services.matcher.search(ASKED, top=5)  # every process's matcher, at once
    assert any(m.article.id == "restablecer-contrasena" and m.field == "learned" for m in found)
    # The same article again: nothing changes, and she is told.
    before = _writes(slack)
    _choose(slack, "UANA", view, "restablecer-contrasena")
    _ephemeral_to(slack, "UANA", "no cambia nada")
    assert _writes(slack) == before
    # Nothing of it reached the requester.
    slack.deliver()
    with slack.services.session_factory() as session:
        to_carlos = [json.dumps(r.context, ensure_ascii=False)
                     for r in session.query(OutboxMessage)
                     if r.recipient.get("person_id") == slack.cast.carlos.id]
    to_slack = [json.dumps(c.body, ensure_ascii=False) for c in slack.api.calls
                if c.body.get("channel") == DM or c.body.get("user") == "UCARLOS"]
    for text in (*to_carlos, *to_slack):
        assert "restablecer-contrasena" not in text and SHOWN not in text, text[:300]
        assert "article_linked" not in text and "threshold" not in text


def test_refusals_say_why_and_write_nothing(slack: Harness) -> None:
    key = slack.open_ticket(slack.cast.carlos, ASKED, ref=f"{DM}:1800000000.000001",
                            category="network").key
    card = _card(slack, key)
    before = _writes(slack)
    # An employee pressing the button: refused privately, no form.
    opened = len(slack.api.calls_to("views.open"))
    slack.click("UCARLOS", card, TRIAGE["L2"], ActionId.ARTICLE)
    _ephemeral_to(slack, "UCARLOS", "Solo el equipo de soporte puede decir qué artículo")
    assert len(slack.api.calls_to("views.open")) == opened
    # A form submitted for an article that does not exist (or no longer does).
    view = _form(slack, "UANA", card)
    _choose(slack, "UANA", view, "no-such-article")
    _ephemeral_to(slack, "UANA", "no-such-article")
    # An unknown ticket (a stale form).
    stale = {**view, "private_metadata": json.dumps({"key": "INC-99",
                                                     "channel": TRIAGE["L2"]})}
    _choose(slack, "UANA", stale, "vpn-no-conecta")
    _ephemeral_to(slack, "UANA", "INC-99")
    # A form submitted by an employee (forged): refused too.
    _choose(slack, "UCARLOS", view, "vpn-no-conecta")
    slack.api.wait_for(lambda: len([c for c in slack.api.calls_to("chat.postEphemeral")
                                    if c.body.get("user") == "UCARLOS"]) == 2,
                       what="the second refusal to the employee")
    assert _writes(slack) == before
    assert learned(slack.services.uow()) == []
    # A closed ticket: a form still open is refused.
    from actions import closure, work

    work.resolve(slack.services.uow(), key=key, actor_id=slack.cast.ana.id, summary="ok")
    closure.confirm(slack.services.uow(), key=key, actor_id=slack.cast.carlos.id)
    _choose(slack, "UANA", view, "vpn-no-conecta")
    _ephemeral_to(slack, "UANA", "no admite más cambios")
    assert learned(slack.services.uow()) == []


def test_the_card_offers_the_button_until_the_ticket_is_closed() -> None:
    from bot.blocks import to_dicts
    from bot.blocks.card import card_blocks

    def buttons(status: str) -> list[str]:
        blocks = to_dicts(card_blocks("*INC-1*", key="INC-1", status=status, assigned=True,
                                      label=lambda name: name))
        return [e["action_id"] for b in blocks for e in b.get("elements") or []]

    assert ActionId.ARTICLE.value in buttons("in_progress")
    assert buttons("resolved") == [ActionId.ARTICLE.value]
    assert buttons("closed") == [] and buttons("cancelled") == []


# --- a knowledge base larger than a select holds ----------------------------------------------
#: Articles added to the desk's own: with them the knowledge base is over 100 articles. Their
#: titles sort after every article of the desk ("Zócalo ..."), so the last ones are beyond the
#: first 100 a static select would list.
EXTRA = 120
FAR = "zocalo-red-sala-117"


def _big_kb(root: Path) -> Path:
    shutil.copytree(ROOT / "kb" / "articles", root)
    for n in range(EXTRA):
        (root / "es" / f"zocalo-red-sala-{n:03d}.md").write_text(
            f"---\nid: zocalo-red-sala-{n:03d}\ntitle: Zócalo de red de la sala {n:03d}\n"
            "language: es\ncategory: network\ntags: [red, zocalo]\n"
            f"questions:\n  - el zocalo de red de la sala {n:03d} no da enlace\n---\n"
            "Prueba otro cable y avisa a Redes con el número de la sala.\n", encoding="utf-8")
    return root


@pytest.fixture
def slack_big(request: pytest.FixtureRequest, slack_settings: Settings, tmp_path: Path,
              ) -> Iterator[Harness]:
    faq = dataclasses.replace(slack_settings.faq, articles_dir=_big_kb(tmp_path / "kb"))
    yield from _harness("sqlite", request, dataclasses.replace(slack_settings, faq=faq),
                        tmp_path)


def _suggest(slack: Harness, user: str, view: dict[str, Any], typed: str, *,
             block: str = BlockId.ARTICLE, signature: str | None = None) -> Response:
    return slack.suggest(user, view, block, typed, signature=signature)


def _answered(slack: Harness, user: str, view: dict[str, Any], typed: str,
              ) -> list[tuple[str, list[str]]]:
    """(group label, option values) of the answer, which the door gives inline."""
    answer = _suggest(slack, user, view, typed)
    assert answer.status == 200
    groups = answer.json()["option_groups"]
    assert sum(len(g["options"]) for g in groups) <= 100
    return [(g["label"]["text"], [o["value"] for o in g["options"]]) for g in groups]


def _searched(view: dict[str, Any]) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b.get("block_id") == BlockId.ARTICLE)["element"]


def test_a_large_knowledge_base_is_searched_as_the_technician_types(slack_big: Harness,
                                                                   ) -> None:
    slack = slack_big
    assert len(slack.services.matcher.articles) > 100
    key = slack.open_ticket(slack.cast.carlos, ASKED, ref=f"{DM}:1800000000.000001",
                            category="network").key
    view = _form(slack, "UANA", _card(slack, key))
    element = _searched(view)
    assert element["type"] == "external_select" and element["min_query_length"] == 0
    assert "options" not in element and "option_groups" not in element
    # Nothing typed yet (the menu just opened): the ticket's suggestions first, then the others.
    (first, suggested), (rest, others) = _answered(slack, "UANA", view, "")
    assert first == "Sugeridos para este ticket" and suggested[0] == "vpn-no-conecta"
    assert rest == "Todos los artículos" and FAR not in suggested + others
    # Typed without accents or capitals: the one article, beyond the first 100, is found.
    [(found, values)] = _answered(slack, "UANA", view, "ZOCALO de red 117")
    assert found == "Artículos que coinciden" and values == [FAR]
    [(_, values)] = _answered(slack, "UANA", view, "sala 11")  # part of a word is enough
    assert values == [f"zocalo-red-sala-{n}" for n in ("011", *range(110, 120))]
    assert _answered(slack, "UANA", view, "vpn")[0] == ("Sugeridos para este ticket",
                                                        ["vpn-no-conecta"])
    # Chosen through the searching select: recorded as from the static one.
    _choose(slack, "UANA", view, FAR, kind="external_select")
    told = _ephemeral_to(slack, "UANA", FAR)
    assert told["text"].startswith("Anotado") and told["channel"] == TRIAGE["L2"]
    [row] = learned(slack.services.uow(), FAR)
    assert (row.text, row.source, row.ticket_key) == (ASKED, "linked", key)
    [linked] = [e for e in slack.ticket(key).history if e.type == "article_linked"]
    assert linked.payload["article_id"] == FAR and linked.visibility == "internal"
    # An id that is no article, sent as if chosen there: refused, nothing written.
    before = _writes(slack)
    _choose(slack, "UANA", view, "zocalo-red-sala-999", kind="external_select")
    _ephemeral_to(slack, "UANA", "zocalo-red-sala-999")
    assert _writes(slack) == before


def test_suggestions_refuse_forgeries_and_answer_nothing_they_cannot(slack_big: Harness,
                                                                     ) -> None:
    slack = slack_big
    key = slack.open_ticket(slack.cast.carlos, ASKED, ref=f"{DM}:1800000000.000001",
                            category="network").key
    view = _form(slack, "UANA", _card(slack, key))
    before = _writes(slack)
    # A forged signature: refused before anything is read.
    forged = _suggest(slack, "UANA", view, "zocalo", signature="v0=" + "0" * 64)
    assert forged.status == 401 and "zocalo" not in forged.body
    # An employee, an unknown ticket, someone Slack never introduced, a select no form has,
    # and a payload with none of it: an empty list each time, never an error.
    stale = {**view, "private_metadata": json.dumps({"key": "INC-99"})}
    broken = {**view, "private_metadata": "{not json"}
    for user, form, block in (("UCARLOS", view, BlockId.ARTICLE), ("UANA", stale, BlockId.ARTICLE),
                              ("UANA", broken, BlockId.ARTICLE), ("UNOBODY", view, BlockId.ARTICLE),
                              ("UANA", view, "no_such_block")):
        answer = _suggest(slack, user, form, "zocalo", block=block)
        assert (answer.status, answer.json()) == (200, {"options": []}), (user, block)
    garbage = slack.post(urlencode({"payload": json.dumps({"type": "block_suggestion"})}),
                         "application/x-www-form-urlencoded")
    assert (garbage.status, garbage.json()) == (200, {"options": []})
    # None of it was stored, registered or said to anyone.
    assert _writes(slack) == before
    assert not [c for c in slack.api.calls_to("chat.postEphemeral")
                if c.body.get("user") in ("UCARLOS", "UANA", "UNOBODY")]
    assert not slack.api.calls_to("users.info")
