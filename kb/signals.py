"""Small judgements the matcher makes about a message's words, kept apart to be read alone."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|\n\s*\n|\n(?=\s*(?:[-*#>]|\d+[.)]))")
_MARKUP = re.compile(r"[*_`#>]+|^\s*(?:[-*]|\d+[.)])\s+")


def unique_groups(groups: Iterable[Sequence[str]]) -> tuple[frozenset[str], ...]:
    """Each distinct word's tokens once, first seen first ("vpn ... vpn" counts once)."""
    return tuple(dict.fromkeys(frozenset(g) for g in groups if g))


def is_code(group: frozenset[str]) -> bool:
    """A number, room, floor or error code ("3er", "0x80070005"): a detail, not a topic."""
    return any(ch.isdigit() for t in group for ch in t)


def evidence(support: float, unknown: float, matched: int) -> float:
    """Share of the score an article keeps when one message word is all it accounts for.

    "there is a mouse in the kitchen" and "can i bring my dog to the office" share one word
    with an article, and that word fits its field's phrasing so well that recall and fuzzy
    similarity alone pass the threshold. When the article explains just one of the message's
    words and the message also has content words no article knows, the score is scaled by the
    share of the message's weight that word carries: one matched word out of several unknown
    ones is weak evidence. Two or more matched words ("mouse" and "stopped working") are not
    scaled, nor is a message whose every word the knowledge base knows ("vpn", "mouse?").
    """
    if matched > 1 or not unknown:
        return 1.0
    return support / (support + unknown)


def passages(body: str) -> list[str]:
    """An article body cut into sentences, list items and headings, markup removed.

    A plain imported article (a title and a body) has no written questions; its body's
    sentences are the closest thing it has to them: each is one way the article says what it
    is about, so a question that paraphrases one sentence is found by it.
    """
    out = []
    for piece in _SENTENCE_END.split(body):
        text = " ".join(_MARKUP.sub(" ", line) for line in piece.splitlines()).strip()
        if text:
            out.append(text)
    return out
