"""Folding of free text before matching: case, accents, punctuation and stretched letters.

Employees type "contraseña", "Contrasena" and "CONTRASEÑAAA" for the same word; folding all of
them to "contrasena" lets the lexicon, the stop words and the fuzzy scorers see one spelling.
"""

from __future__ import annotations

import re
import unicodedata

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
