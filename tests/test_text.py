"""Titles made from what people type, and the limits on text."""

import pytest

from actions.text import MAX_TEXT, TITLE_LENGTH, clean, title_from
from store.errors import InvalidInput


def test_title_is_the_first_line_cut_at_a_word():
    text = ("oigan no me abre el outlook desde q se actualizo windows ayer, me sale un error y "
            "ya lo reinicie 2 veces\nmás detalles aquí")
    title = title_from(text)
    assert title.endswith("…") and len(title) <= TITLE_LENGTH + 1
    assert text.startswith(title[:-1]) and not title[:-1].endswith(" ")


def test_short_message_is_its_own_title():
    assert title_from("  La VPN   no conecta \n detalle") == "La VPN no conecta"


@pytest.mark.parametrize("text,title", [
    ("hola, la impresora no imprime", "la impresora no imprime"),
    ("Buenos días! no puedo entrar a SAP", "no puedo entrar a SAP"),
    ("hi team, outlook keeps crashing", "outlook keeps crashing"),
    ("hola", "hola"),  # nothing but a greeting stays what it is
    ("Holanda office printer is down", "Holanda office printer is down"),
])
def test_a_greeting_in_front_is_not_the_title(text, title):
    assert title_from(text) == title


@pytest.mark.parametrize("text,code", [("", "empty_text"), ("  \n\t ", "empty_text"),
                                       ("x" * (MAX_TEXT + 1), "text_too_long")])
def test_clean_refuses_empty_and_huge_text(text, code):
    with pytest.raises(InvalidInput) as err:
        clean(text)
    assert err.value.code == code


def test_clean_strips_control_characters():
    assert clean("hola\x00\x07 mundo\x1b") == "hola mundo"
