"""Templates: Spanish and English say the same things, and user text can't drive Slack."""

from __future__ import annotations

import re

import pytest

from actions.messages import TEMPLATES, Messages, Safe
from bot.slack.text import TEMPLATES as SLACK_TEMPLATES
from store.errors import AlreadyClaimed

MACRO = re.compile(r"\{%-?\s*macro\s+(\w+)")


def _macros(lang: str) -> dict[str, set[str]]:
    return {p.stem: set(MACRO.findall(p.read_text(encoding="utf-8")))
            for folder in (TEMPLATES, SLACK_TEMPLATES)
            for p in sorted((folder / lang).glob("*.j2"))}


def test_spanish_and_english_templates_define_the_same_messages():
    es, en = _macros("es"), _macros("en")
    assert es.keys() == en.keys()
    for group in es:
        assert es[group] == en[group], group


HOSTILE = "<!channel> hi <@U0123> <https://evil.example|click here> & more"


def test_user_text_is_escaped_for_mrkdwn_and_only_the_three_characters():
    text = Messages("mrkdwn").error(AlreadyClaimed(key="INC-1", by=HOSTILE + ' "O\'Neil"'), "en")
    assert "<!channel>" not in text and "<@U0123>" not in text and "<https://" not in text
    assert "&lt;!channel&gt;" in text and "&amp; more" in text
    assert "\"O'Neil\"" in text  # quotes are not HTML-escaped: Slack would show &#39;


def test_plain_flavour_keeps_text_as_typed():
    text = Messages("plain").error(AlreadyClaimed(key="INC-1", by="<Ana & Co>"), "es")
    assert "<Ana & Co>" in text


def test_safe_values_and_mentions_are_not_escaped_twice():
    messages = Messages("mrkdwn")
    env = messages.env
    template = env.from_string("{{ who|mention('x') }} {{ raw }} {{ text }}")
    out = template.render(who="UANA", raw=Safe("<@UBOB>"), text="a<b")
    assert out == "<@UANA> <@UBOB> a&lt;b"


@pytest.mark.parametrize("lang,label", [("es", "EN ESPERA"), ("en", "PENDING")])
def test_status_labels(lang, label):
    assert Messages().status("pending", lang) == label


def test_unknown_language_falls_back_to_spanish():
    assert Messages().status("resolved", "fr") == "CONCLUIDO"
