"""One-line answers by mail, in Spanish and English: confirm, reopen, rate, "solved"."""

from __future__ import annotations

import pytest

from actions.email.replies import read_reply


@pytest.mark.parametrize("text,confirm,rating", [
    ("Sí, ya funciona, califico 5", True, 5),
    ("sí", True, None),
    ("Si\n\nEl mié, 2 dic 2026 a las 10:00, Soporte escribió:", True, None),
    ("yes, 4", True, 4),
    ("Yes it works, rating 4/5", True, 4),
    ("it works now! 5 stars", True, 5),
    ("5", None, 5),
    ("gracias, 3 de 5", None, 3),
    ("no", False, None),
    ("No, sigue igual", False, None),
    ("Still broken after the restart", False, None),
    ("No sé si quedó, ¿lo revisan?", None, None),
    ("No problem, it works", True, None),
    ("El equipo se reinició a las 3", None, None),
    ("califico 9", None, None),  # outside the 1..5 scale: not a rating
])
def test_one_line_answers(text: str, confirm: bool | None, rating: int | None) -> None:
    words = read_reply(text)
    assert (words.confirm, words.rating) == (confirm, rating)


@pytest.mark.parametrize("text,article", [
    ("Solucionado, gracias", None), ("solved 2", 2), ("That fixed it", None),
    ("el 2 lo resolvió", None),
])
def test_solved_by_an_article(text: str, article: int | None) -> None:
    words = read_reply(text)
    assert words.solved and words.article == article


def test_not_solved_is_not_solved() -> None:
    assert not read_reply("No, no lo resolvió").solved
