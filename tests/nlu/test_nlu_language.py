"""Which language the bot should answer in."""

from __future__ import annotations

import pytest

from nlu.language import detect_language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("hola", "es"),
        ("gracias", "es"),
        ("hi", "en"),
        ("thx", "en"),
        ("no me funciona el correo", "es"),
        ("my laptop won't turn on", "en"),
        ("¿cómo cambio mi contraseña?", "es"),
        ("q onda, la compu no prende", "es"),
        ("hola, my laptop no prende", "es"),
        ("porfa help, el vpn is not working", "es"),
        ("can you install visio please", "en"),
        ("I clicked a phishing link", "en"),
        ("necesito reset del password de SAP", "es"),
    ],
)
def test_detects_language_of_chat_messages(text: str, language: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize("text", ["ok", "👍", "INC-12", ""])
def test_no_evidence_falls_back_to_the_default(text: str) -> None:
    assert detect_language(text, default="en") == "en"
    assert detect_language(text, default="es") == "es"
