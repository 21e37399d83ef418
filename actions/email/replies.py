"""What a one-line answer by mail says: "sí", "no", "5", "Sí, ya funciona, califico 5", "solved 2".

Mail has no buttons, so the desk's mails ask for a short reply instead (the resolution notice:
"reply yes or no, and a rating from 1 to 5"; the acknowledgement: "reply *solved* if an article
fixed it"). Only the first lines of the new text are read, folded (no accents, lower case), in
Spanish and English. Anything this does not recognise is simply text for the conversation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from actions.conversation.phrases import fold, says_not_fixed

_YES = r"(si|sip|claro|yes|yep|yeah|ok|okay|vale|listo|correcto|confirmo|confirmado|confirm)"
_WORKS = (r"(ya )?(funciona|sirve|quedo|jala|anda)|(it )?works|it'?s working|all good"
          r"|todo bien|arreglado|fixed|resuelto|solucionado|solved|resolved")
_NO = re.compile(r"^\s*(no|nope|nop|negativo)\b"
                 r"(?!\s+(problem|hay problema|te preocupes|se si|estoy seguro|i'?m not sure))")
_UNSURE = re.compile(r"\b(no se si|no lo se|no estoy segur[oa]|not sure|don'?t know)\b")
_YES_START = re.compile(rf"^\s*{_YES}\b")
_WORKS_ANY = re.compile(rf"\b({_WORKS})\b")
_RATING_WORDS = (r"califico|calificacion|calificar|califica|puntuo|puntuacion|puntaje|nota"
                 r"|le doy|te doy|doy|rate|rating|rated|score|give|estrellas?|stars?")
_RATED = re.compile(
    rf"\b(?:{_RATING_WORDS})\D{{0,12}}\b([1-9]|10)\b"
    r"|\b([1-9]|10)\s*(?:/\s*(?:5|10)|de\s+(?:5|10)|out of\s+(?:5|10)|estrellas?|stars?|puntos?)\b")
_SOLVED = re.compile(
    r"\b(solucionado|resuelto|solved|fixed|lo resolvio|me sirvio|esto lo resolvio"
    r"|that fixed it|this solved it|that solved it|it helped|funciono)\b(?:\D{0,20}\b([1-9])\b)?")
_WORD = re.compile(r"[a-z0-9']+")
_FILLER = {"si", "yes", "ok", "no", "y", "and", "gracias", "thanks", "thank", "you", "muchas",
           "lo", "califico", "rate", "con", "un", "una", "a", "my", "mi", "rating", "nota"}


@dataclass(frozen=True)
class ReplyWords:
    """What the short reply answers: the resolution (True/False/None), a rating, "solved"."""

    confirm: bool | None = None
    rating: int | None = None
    solved: bool = False
    article: int | None = None  # "solved 2": the second suggested article


def first_lines(text: str, *, lines: int = 3, chars: int = 300) -> str:
    kept = [line for line in text.strip().splitlines() if line.strip()][:lines]
    return " ".join(kept)[:chars]


def read_reply(text: str, *, scale: int = 5) -> ReplyWords:
    head = fold(first_lines(text))
    if not head:
        return ReplyWords()
    words = _WORD.findall(head)
    confirm: bool | None = None
    if _UNSURE.search(head):
        confirm = None  # "no sé si quedó": neither; the conversation reads it as a comment
    elif says_not_fixed(head) or _NO.match(head):
        confirm = False
    elif _YES_START.match(head) or _WORKS_ANY.search(head):
        confirm = True
    rating = _rating(head, words, scale)
    solved = _SOLVED.search(head)
    article = int(solved.group(2)) if solved and solved.group(2) else None
    return ReplyWords(confirm=confirm, rating=rating, solved=bool(solved) and confirm is not False,
                      article=article)


def _rating(head: str, words: list[str], scale: int) -> int | None:
    match = _RATED.search(head)
    if match:
        value = int(match.group(1) or match.group(2))
        return value if 1 <= value <= scale else None
    digits = [w for w in words if w.isdigit()]
    # "5", "sí, 4", "yes 5 thanks": a lone number among yes/no/thanks words is the rating.
    if len(digits) == 1 and all(w in _FILLER or w.isdigit() for w in words):
        value = int(digits[0])
        return value if 1 <= value <= scale else None
    return None
