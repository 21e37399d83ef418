"""Choosing one of many in a form: when the list is too long to show whole, what was typed.

A chat form's select holds a bounded number of options (Slack's: 100), so a list longer than
that is searched instead: each keystroke asks for the options matching what was typed. Typing
is matched the way people type: case and accents ignored ("contrasena" finds "Contraseña"),
every typed word found somewhere in the title or id, in any order, the start of a word enough
("impre" finds "Impresora"). Lists of the desk's own things (articles, technicians, saved
replies) are small enough to filter in memory on every keystroke.
"""

from __future__ import annotations

from functools import lru_cache

from kb.text import fold

#: Options a select shows at once (Slack's static select, and an answer to a search); the
#: forms list at most this many and search a longer list.
OPTIONS = 100
#: Fewer folded characters typed than this: the default list, as when the menu opens.
MIN_TYPED = 2


def typed_words(text: str | None) -> list[str]:
    """The folded words of what was typed (none when it is too short to search with)."""
    folded = fold(text or "")
    return folded.split() if len(folded.replace(" ", "")) >= MIN_TYPED else []


@lru_cache(maxsize=65_536)
def _folded(text: str) -> str:
    # every keystroke filters the whole list: the titles are folded once per process
    return f" {fold(text)}"


def contains(words: list[str], *texts: str) -> bool:
    """Every one of ``words`` found in ``texts`` (folded), each anywhere in a word."""
    haystack = " ".join(_folded(t) for t in texts)
    return all(w in haystack for w in words)


def starts_with(words: list[str], text: str) -> bool:
    """``text`` (folded) begins with the first typed word: such titles are listed first."""
    return bool(words) and _folded(text).startswith(f" {words[0]}")
