"""Folding of free text before matching: case, accents, punctuation and stretched letters.

Employees type "contraseña", "Contrasena" and "CONTRASEÑAAA" for the same word; folding all of
them to "contrasena" lets the lexicon, the stop words and the fuzzy scorers see one spelling.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

_NON_WORD = re.compile(r"[^a-z0-9]+")
_STRETCHED = re.compile(r"([a-z])\1{2,}")


def fold(text: str) -> str:
    """Lower case, no accents (ñ -> n), letters and digits only, single spaces."""
    lowered = text.lower()
    if not lowered.isascii():
        # decompose "ñ" into "n" + tilde, then drop what is not ASCII (the accents)
        lowered = unicodedata.normalize("NFKD", lowered).encode("ascii", "ignore").decode()
    plain = _NON_WORD.sub(" ", lowered)
    plain = _STRETCHED.sub(r"\1\1", plain)  # "holaaaa" -> "holaa": one fuzzy edit from "hola"
    return " ".join(plain.split())


def words(text: str) -> list[str]:
    """The folded words of a text."""
    return fold(text).split()


def singular(word: str) -> str:
    """A crude plural strip for words the lexicon does not know ("servidores" -> "servidore").

    Applied the same way to articles and questions, so it only has to be consistent, not right.
    """
    if len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


_SPANISH = snowballstemmer.stemmer("spanish")
_ENGLISH = snowballstemmer.stemmer("english")


@lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """One stem for a folded word, whichever language it is in: the shorter of its Spanish
    and English Snowball stems ("conectarme" -> "conect", "connecting" -> "connect",
    "impresoras" -> "impresor", "notifications" -> "notif").

    A question's language is often unclear (Spanglish, two words), so both stemmers run and the
    one that found a suffix wins; applied alike to articles and questions, a word meets its
    other inflections however it was typed.
    """
    if len(word) <= 3 or word.isdigit():
        return word
    spanish, english = _SPANISH.stemWord(word), _ENGLISH.stemWord(word)
    return spanish if len(spanish) <= len(english) else english
