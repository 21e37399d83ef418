"""Block Kit builders keep within Slack's limits; only bot/ imports the Slack libraries."""

from __future__ import annotations

import json
from pathlib import Path

from bot.blocks import BUTTON_TEXT, MESSAGE_BLOCKS, SECTION_TEXT, sections, to_dicts, truncate
from bot.blocks.conversation import parse_payload, turn_messages, turn_payloads
from bot.ids import ActionId
from bot.slack.users import language_of, profile_of

ROOT = Path(__file__).resolve().parents[2]


def test_long_text_is_split_into_sections_within_the_limit() -> None:
    text = "\n".join(f"line {n} " + "x" * 200 for n in range(60)) + "\n" + "y" * 7000
    blocks = to_dicts(sections(text))
    assert all(len(b["text"]["text"]) <= SECTION_TEXT for b in blocks)
    assert blocks[-1]["text"]["text"].endswith("…")
    assert "line 59" in "".join(b["text"]["text"] for b in blocks)


def test_truncation_never_cuts_an_escape_in_half() -> None:
    cut = truncate("a" * 8 + "&amp;b", 11)
    assert cut == "a" * 8 + "…"
    assert truncate("short", 75) == "short"


def test_a_turn_with_many_replies_stays_within_50_blocks_per_message_and_unique_ids() -> None:
    replies = [{"text": f"answer {n}", "buttons": [
        {"title": "Esto lo resolvió " + "z" * 100,
         "payload": f'/faq_solved{{"article_id": "{n}"}}'},
        {"title": "Abrir ticket", "payload": "/open_ticket"}]} for n in range(40)]
    messages = turn_messages(replies)
    assert len(messages) > 1
    ids = []
    for _, blocks in messages:
        dicts = to_dicts(blocks)
        assert len(dicts) <= MESSAGE_BLOCKS
        for block in dicts:
            for element in block.get("elements") or []:
                assert len(element["text"]["text"]) <= BUTTON_TEXT
                ids.append(element["action_id"])
    assert len(ids) == len(set(ids)) == 80


def test_replies_built_as_dicts_are_what_the_block_objects_serialise_to() -> None:
    # A turn's reply is posted from plain dicts; Slack must get the very JSON (same keys, same
    # order, same truncation and limits) the slack_sdk objects gave.
    faq = [{"text": "Encontré una respuesta que puede ayudarte:", "buttons": []},
           {"text": "*1. VPN*\n1. Reinicia &gt; *Salir*\n\n2. `vpn.empresa.com`",
            "buttons": [{"title": "Esto lo resolvió",
                         "payload": '/faq_solved{"article_id": "vpn"}'}]},
           {"text": "¿Te sirvió?", "buttons": [{"title": "Abrir ticket",
                                                "payload": "/open_ticket"}]}]
    turns = [
        faq,
        [{"text": f"answer {n}", "buttons": [
            {"title": "Esto lo resolvió " + "z" * 100, "payload": f"/faq_solved{{\"n\": {n}}}"},
            {"title": "Abrir ticket", "payload": "/open_ticket"}]} for n in range(40)],
        [{"text": "x" * 7000 + "\n" + "\n".join("l" * 50 for _ in range(200)),
          "buttons": [{"title": str(n), "payload": f'/rate{{"rating": {n}}}'}
                      for n in range(60)]}],
        [{"text": "   ", "buttons": []},
         {"text": "", "buttons": [{"title": "", "payload": "p"}, {"payload": "q"},
                                  {"title": "t", "payload": ""}]}],
        [{"text": "a" * 2999 + "&amp;", "buttons": [{"title": "&amp;" * 30, "payload": 5}]}],
        [{"text": "\n\n\n"}, {"text": "one\n\n"}, {"text": "   \n  x"}, {"text": "y" * 3001}],
    ]
    for replies in turns:
        for limit in (MESSAGE_BLOCKS, 3, 1):
            expected = [(text, to_dicts(blocks, limit))
                        for text, blocks in turn_messages(replies, limit)]
            assert json.dumps(turn_payloads(replies, limit)) == json.dumps(expected)


def test_closure_payloads_get_their_own_actions() -> None:
    [(_, blocks)] = turn_messages([{"text": "¿Se resolvió?", "buttons": [
        {"title": "Sí", "payload": '/confirm{"ticket_key": "INC-1"}'},
        {"title": "No", "payload": '/reject{"ticket_key": "INC-1"}'},
        {"title": "5", "payload": '/rate{"ticket_key": "INC-1", "rating": 5}'}]}])
    ids = [e["action_id"] for e in to_dicts(blocks)[1]["elements"]]
    assert [i.split(":")[0] for i in ids] == [ActionId.CONFIRM, ActionId.REJECT, ActionId.RATE]
    assert parse_payload('/rate{"ticket_key": "INC-1", "rating": 5}') == (
        "rate", {"ticket_key": "INC-1", "rating": 5})
    assert parse_payload("hola") == ("", {})


def test_slack_profile_to_person() -> None:
    assert language_of("es-419", "en") == "es" and language_of("en-GB", "es") == "en"
    assert language_of("fr-FR", "es") == "es" and language_of(None, "en") == "en"
    profile = profile_of({"id": "U1", "tz": "Europe/Madrid", "locale": "es-ES",
                          "profile": {"real_name": "Nora Vidal", "email": "n@x.com"}}, "en")
    assert profile == {"name": "Nora Vidal", "email": "n@x.com", "timezone": "Europe/Madrid",
                       "language": "es"}


def test_slack_encoded_text_is_decoded_to_plain_text() -> None:
    from bot.slack.incoming import plain_text

    assert plain_text("a &lt; b &amp;&amp; c &gt; d") == "a < b && c > d"
    assert plain_text("hi <@U1|ana> and <@U2>") == "hi @ana and @U2"
    assert plain_text("invite INC-1 <@U1|ana>", user_ids=True) == "invite INC-1 @U1"
    assert plain_text("<!channel> <!here|here> <!subteam^S1|@support>") == \
        "@channel @here @support"
    assert plain_text("see <https://evil.example|click> or <https://ok.example>") == \
        "see click (https://evil.example) or https://ok.example"
    assert plain_text("in <#C1|general>") == "in #general"
