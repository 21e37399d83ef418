"""Typo correction fixes slips towards the knowledge base's words and leaves real words alone."""

from __future__ import annotations

import pytest

from kb.analyzer import Analyzer
from kb.lexicon import Lexicon

VOCABULARY = ["lan", "car", "caliente", "llegar", "upload", "camara", "broken", "sites",
              "codificador", "stolen", "store"]


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(Lexicon.load(), VOCABULARY)


@pytest.mark.parametrize(("typed", "meant"), [
    ("camra", "camara"),
    ("codificadro", "codificador"),
    ("broke", "broken"),  # a real word turned into a close inflection of a known one
    ("stole", "stolen"),
])
def test_a_slip_is_corrected_towards_the_knowledge_base(analyzer, typed, meant):
    assert analyzer.correct(typed) == meant


@pytest.mark.parametrize("word", ["land", "card", "cliente", "llevar", "unload"])
def test_a_real_word_one_letter_from_it_vocabulary_stays_itself(analyzer, word):
    """"my files land in spam" is not about a LAN, "a client" is not "caliente"."""
    assert analyzer.correct(word) == word
