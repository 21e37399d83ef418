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

# Spanish learned endings and their English counterparts: "configuracion" / "configuration",
# "incidente" / "incident", "compatibilidad" / "compatibility", "experiencia" / "experience",
# "automatico" / "automatic", "sistema" / "system", "categoria" / "category". Longest first.
_COGNATE_ENDINGS = (
    ("cciones", "ctions"), ("ccion", "ction"), ("ciones", "tions"), ("cion", "tion"),
    ("idades", "ities"), ("idad", "ity"), ("encias", "ences"), ("encia", "ence"),
    ("ancias", "ances"), ("ancia", "ance"), ("ientes", "ents"), ("iente", "ent"),
    ("entes", "ents"), ("ente", "ent"), ("icos", "ics"), ("icas", "ics"), ("ico", "ic"),
    ("ica", "ic"), ("ivos", "ives"), ("ivas", "ives"), ("ivo", "ive"), ("iva", "ive"),
    ("osos", "ous"), ("osas", "ous"), ("oso", "ous"), ("osa", "ous"), ("emas", "ems"),
    ("ema", "em"), ("ias", "ies"), ("ia", "y"), ("arios", "aries"), ("ario", "ary"),
    ("orios", "ories"), ("orio", "ory"), ("ismos", "isms"), ("ismo", "ism"), ("istas", "ists"),
    ("ista", "ist"), ("adores", "ators"), ("adoras", "ators"), ("ador", "ator"),
    ("adora", "ator"), ("ajes", "ages"), ("aje", "age"),
)
_VOWELS = frozenset("aeiou")
COGNATE_MIN = 6  # shorter words are too often unrelated ("dia", "mia", "rica")
_SPELLING = (("ph", "f"), ("th", "t"), ("y", "i"))  # "photo"/"foto", "system"/"sistema"
_DOUBLED = re.compile(r"([a-z])\1")  # "process"/"proceso", "battery"/"bateria"


def cognate(word: str) -> str:
    """``word`` with a Spanish learned ending spelt the English way (``configuracion`` ->
    ``configuration``) and without the "e" Spanish puts before s + consonant; other words
    unchanged (English words lose that "e" too, so "estimate" and "estimar" still meet).

    The lexicon names the IT words it knows in both languages; a customer's articles use
    many more, and most of them are cognates that differ only in these endings. Written the
    same way, the English stemmer then gives both the same stem.
    """
    if len(word) < COGNATE_MIN:
        return word
    if word.startswith("es") and word[2] not in _VOWELS:
        # Spanish puts an "e" before s + consonant: "estandar"/"standard", "estatus"/"status"
        word = word[1:]
    for spanish, english in _COGNATE_ENDINGS:
        if word.endswith(spanish) and len(word) - len(spanish) >= 3:
            return word[: -len(spanish)] + english
    return word


@lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """One stem for a folded word, whichever language it is in: the shorter of its Spanish
    and English Snowball stems ("conectarme" -> "conect", "connecting" -> "connect",
    "impresoras" -> "impresor", "notifications" -> "notif").

    A question's language is often unclear (Spanglish, two words), so both stemmers run and the
    one that found a suffix wins; applied alike to articles and questions, a word meets its
    other inflections however it was typed. Cognates meet across the languages too: Spanish
    learned endings are spelt the English way first (``cognate``), and the stem is written
    without the spellings that differ between the languages (ph/f, th/t, y/i, doubled
    letters), so "proceso" and "process", "sistema" and "system", "foto" and "photo" meet.
    """
    if len(word) <= 3 or word.isdigit():
        return word
    word = cognate(word)
    spanish, english = _SPANISH.stemWord(word), _ENGLISH.stemWord(word)
    found = spanish if len(spanish) <= len(english) else english
    for written, spoken in _SPELLING:
        found = found.replace(written, spoken)
    return _DOUBLED.sub(r"\1", found)
