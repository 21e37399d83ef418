"""The few phrases the dialogue recognises by rule rather than by the NLU model.

They only matter in a context the model cannot see: "still broken" right after a resolution,
"skip" while answering the security questions. Matching is on folded text (lower case, no
accents), so "no se resolvió" and "no se resolvio" are the same.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache


@lru_cache(maxsize=64)
def fold(text: str) -> str:
    """``text`` in lower case without accents. Remembered for the last few texts: one turn asks
    a dozen rules about the same message, each of which folds it."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("’", "'")


_NOT_FIXED = re.compile(
    r"\b(no se (resolvio|soluciono|arreglo|corrigio)|no (quedo|esta) (resuelto|arreglado)"
    r"|sigue (igual|sin|fallando|mal|roto|sin funcionar|el problema|pasando)"
    r"|(todavia|aun) (no|falla|sigue)|no (funciono|sirvio|jalo)|volvio a (fallar|pasar)"
    r"|still (broken|not|failing|the same|happening|doesn'?t|does not|isn'?t|down)"
    r"|not (fixed|solved|resolved)|(didn'?t|did not) (work|help|fix)"
    r"|(doesn'?t|does not|isn'?t|is not) (work|working|fixed)|it'?s back|happened again)\b"
)
#: "ya funciona", "funcionó", "ya pude entrar", "it works now", "that fixed it" ... said of the
#: problem at hand. Only counted when nothing in the message negates it (``says_fixed``).
_FIXED = re.compile(
    r"\b(ya (funciona|funciono|sirve|sirvio|jala|jalo|anda|quedo|pude|puedo|entre|entro"
    r"|conecta|conecto|se arreglo|se soluciono|se resolvio)"
    r"|funciono|sirvio|me sirvio|quedo (resuelto|arreglado|solucionado)"
    r"|listo|ya esta(?=\s*(?:[.!,]|$|gracias))"
    r"|all set|sorted|good to go|(it|that) did the trick"
    r"|(se|lo) (arreglo|soluciono|resolvio)|resuelto|solucionado|arreglado"
    r"|(it|that|this) (works|worked|helped|did it|fixed it|solved it)|works now|working now"
    r"|(it'?s|its) (working|fixed|solved)|fixed( it)?|solved( it)?|all good now)\b"
)
#: Negations only: a bare "nt" ending would also catch "client", "want", "document".
_NEGATION = re.compile(r"\b(no|not|nunca|never|ni|tampoco|nope|nada|nothing|isnt|doesnt|dont"
                       r"|didnt|cant|wont|arent|wasnt|havent|hasnt)\b|n't\b")
_SKIP = re.compile(r"^\s*(skip|omitir|omite|saltar|salta|paso|pass|siguiente|next|no se|"
                   r"no lo se|i don'?t know|dont know|n/?a|-)\s*[.!]*\s*$")
_WORD = re.compile(r"\w+", re.UNICODE)


def says_not_fixed(text: str) -> bool:
    """"no se resolvió", "sigue igual", "still broken", "didn't work" ..."""
    return bool(_NOT_FIXED.search(fold(text)))


def says_fixed(text: str) -> bool:
    """"ya funciona", "funcionó, gracias", "it works now": the person says the problem is gone.

    Negated phrasings ("ya no funciona", "it still doesn't work") never count, whatever else
    the message holds: a false "fixed" would close the problem without a ticket.
    """
    folded = fold(text).strip()
    if folded.startswith("¿") or folded.endswith("?"):
        return False  # "¿ya funciona la VPN?" asks, it does not tell
    return bool(_FIXED.search(folded)) and not _NEGATION.search(folded) \
        and not says_not_fixed(text)


_YES_NO_WORD = re.compile(r"\b(si|no|ok|okay|okey|dale|claro|va|sale|sip|nop|simon|nel"
                          r"|yes|yep|yeah|yup|sure|nope|nah)\b")


def has_yes_no_word(text: str) -> bool:
    """A plain yes or no word is in the message ("sí, gracias", "no todavía", "ok")."""
    return bool(_YES_NO_WORD.search(fold(text)))


def says_skip(text: str) -> bool:
    return bool(_SKIP.match(fold(text)))


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


#: Emoji written as chat shortcodes (``:tada:``, ``:+1:``, ``:skin-tone-2:``).
_SHORTCODE = re.compile(r":[a-z0-9_+\-]+:", re.IGNORECASE)


def has_words(text: str) -> bool:
    """False for emoji-only or punctuation-only messages (shortcodes like ``:tada:`` included)."""
    return any(ch.isalnum() for ch in _SHORTCODE.sub(" ", text))


#: Words that say something is wrong without saying what ("tengo un problema", "error").
_BROKEN = frozenset("""
broken roto rota falla fallando error errores problema problemas problem problems issue issues
wrong descompuesto descompuesta
""".split())
#: Verbs that only say something is wrong when negated: "no funciona" asks what, "ya funciona"
#: says the opposite.
_WORKS = frozenset("""
funciona funcionan funcione sirve sirven jala jalan anda prende work works working worked
""".split())
_NEGATIONS = frozenset("no not nada nothing isn't isnt doesnt doesn't dont don't".split())
#: Words that carry no subject: with only these and a broken-word, the message names no thing.
_FILLER = frozenset("""
no not nada nothing algo something it its it's is isn't isnt doesnt doesn't dont don't does
esta está estan están sigue todavia todavía aun aún still again otra vez ya se me mi mis my
tengo tiene hay un una uno unos a an the el la lo los las i i'm im have has got we
y and o or de del con with por favor porfa please pls plz ayuda help helpme ayudame ayúdame
hola hi hello hey buenas buenos dias días oye que qué q pasa happening going on just
bien well right properly correctamente muy very really nomas nomás solo only
""".split())


def names_nothing(text: str) -> bool:
    """"no funciona", "it doesn't work", "tengo un problema": trouble, but with what?

    True when the message says something is wrong and every other word is filler, so the
    desk should ask what fails before searching articles or opening a ticket.
    """
    tokens = re.findall(r"[a-zñ']+", fold(text))
    troubled = any(t in _BROKEN for t in tokens) or (
        any(t in _WORKS for t in tokens) and any(t in _NEGATIONS for t in tokens))
    return troubled and all(t in _BROKEN or t in _WORKS or t in _FILLER for t in tokens)


#: "abre un ticket", "I need to open an incident", "levántame un caso": a ticket asked for by
#: name. In ITIL an incident is any interruption, so these are never security reports.
_TICKET_WORDS = frozenset("""
ticket tickets tiquet tiket incidente incidencia incident caso case solicitud request reporte
folio
""".split())
_OPEN_VERBS = frozenset("""
abrir abre abreme abras abra abran abrirme levanten creen levantar levanta levantame levante
crear crea creame cree
generar genera generame registrar registra reportar open opening raise create log file submit
necesito necesitaria ocupo quiero quisiera need want like
""".split())
_TICKET_FILLER = frozenset("""
new nuevo nueva otro otra another can could would you puedes podrias puede me for para to
i'd id que
""".split()) | _FILLER


def asks_for_ticket(text: str) -> bool:
    """The message asks for a ticket and says nothing about what it is for."""
    tokens = re.findall(r"[a-zñ']+", fold(text))
    return any(t in _TICKET_WORDS for t in tokens) and any(t in _OPEN_VERBS for t in tokens) \
        and all(t in _TICKET_WORDS or t in _OPEN_VERBS or t in _TICKET_FILLER for t in tokens) \
        and not any(t in ("mi", "mis", "my") for t in tokens)


_LABELLED = re.compile(r"<[^<>|]*\|([^<>]*)>")  # Slack links: <https://x|label>
_TAG = re.compile(r"<[^<>]*>")  # HTML tags, <!channel>, <@U123>, bare <https://x>
_CODE = re.compile(r"<(script|style)\b[^<>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


def without_markup(text: str) -> str:
    """The words of a message without tags and mentions, which say nothing about the problem:
    "<b>outlook</b> no abre <!channel>" is searched as "outlook no abre"."""
    return _TAG.sub(" ", _LABELLED.sub(r" \1 ", _CODE.sub(" ", text)))


_NAMES_TICKET = re.compile(r"\b(ticket|tickets|caso|solicitud|request|incidente|incident"
                           r"|pedido|(inc|req|sec)-?\d+)\b")


def names_ticket(text: str) -> bool:
    """"cancela el ticket", "cancel INC-3": a ticket is named, not just "never mind"."""
    return bool(_NAMES_TICKET.search(fold(text)))


#: A bare call for help ("ayuda", "help me please", "¿qué puedes hacer?"): the person wants to
#: know what the desk offers, not to describe a problem. Both languages get the same answer.
_HELP_WORDS = frozenset("help ayuda ayudame auxilio socorro menu".split())
_HELP_FILLER = frozenset("""
i me need necesito please por favor porfa pls plz hola hi hello hey can could you puedes podrias
some un una poco a little bit mano quick rapido out want quiero necesitaria what que which cual
do does hacer haces sabes know options opciones else mas tu
""".split())


_CAN = frozenset("puedes sabes can could podrias".split())
_DO = frozenset("hacer haces do".split())


def asks_help(text: str) -> bool:
    """"help", "ayuda", "ayúdame por favor", "I need help", "¿qué puedes hacer?": nothing but a
    call for help or a question about what the desk does."""
    tokens = re.findall(r"[a-zñ']+", fold(text))
    called = any(t in _HELP_WORDS for t in tokens) \
        or (any(t in _CAN for t in tokens) and any(t in _DO for t in tokens))
    return called and all(t in _HELP_WORDS or t in _HELP_FILLER for t in tokens)


_NONE = re.compile(
    r"\b(ningun[oa]?|none|neither|nada de eso|ni uno|ni una|(lo|la) (resolvi|arregle|solucione)"
    r"( yo)? sol[oa]|(se|lo) (arreglo|resolvio|soluciono|compuso) solo|por mi cuenta|yo solo"
    r"|sol[oa] se (arreglo|resolvio|soluciono)|(by|on) my own|myself|by itself|on its own"
    r"|no idea which)\b")


def says_none(text: str) -> bool:
    """"ninguno", "lo resolví solo", "none of them", "I fixed it myself": no article did it."""
    return bool(_NONE.search(fold(text)))


_ORDINALS = {
    1: r"1|uno|una|primer[oa]?|first|one", 2: r"2|dos|segund[oa]|second|two",
    3: r"3|tres|tercer[oa]?|third|three",
}
_ORDINAL = {n: re.compile(rf"^\W*(el |la |the |#|n(o|um)?\.? ?)?({words})( (one|articulo|article|"
                          rf"opcion|option))?\W*$") for n, words in _ORDINALS.items()}


def ordinal(text: str) -> int | None:
    """"2", "la segunda", "the first one": which of the listed options, counted from 1."""
    folded = fold(text).strip()
    return next((n for n, pattern in _ORDINAL.items() if pattern.match(folded)), None)


_SECURITY_WORDS = frozenset("seguridad security ciberseguridad cybersecurity infosec".split())
_SECURITY_FILLER = frozenset("""
report reporting reportarte reporto problema problem issue asunto tema evento event alerta alert
un una a an of about sobre to there
""".split()) | _TICKET_WORDS | _OPEN_VERBS | _TICKET_FILLER


def asks_for_security_incident(text: str) -> bool:
    """"abre un incidente de seguridad", "I want to report a security incident": a security
    report asked for by name, saying nothing of what happened."""
    tokens = re.findall(r"[a-zñ']+", fold(text))
    return any(t in _SECURITY_WORDS for t in tokens) \
        and all(t in _SECURITY_WORDS or t in _SECURITY_FILLER for t in tokens)


#: Words of trouble beyond "broken" and a negation: how people say something fails.
_TROUBLE = frozenset("""
lento lenta lentos slow traba trabado congela congelado freezes frozen crash crashes crashed
fails failed failing down caido caida
""".split())


def says_trouble(text: str) -> bool:
    """Something fails ("no imprime", "is broken", "won't print", "está lenta"): what an
    ordinary problem report says and an account of what happened ("desconecté la laptop de la
    red", "in my Outlook inbox") does not."""
    folded = fold(text)
    tokens = set(re.findall(r"[a-zñ']+", folded))
    return bool(tokens & (_BROKEN | _TROUBLE)) or bool(_NEGATION.search(folded))


#: Laughter repeats its syllable ("jaja", "hehe"): a single "hi" or "ja" is a word.
_LAUGH = re.compile(r"^((j+[aeiou]+){2,}j*|(h+[aeiou]+){2,}h*|(ka){2,}|lol+|lmao+|rofl|xd+"
                    r"|js(js)+j?)$")
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890")
_VOWEL = re.compile(r"[aeiouy]")
#: Consonants in a row that make a mash: acronyms ("dhcp", "https", "smtp") are shorter.
MASH_CONSONANTS = 6


def _mash(token: str) -> bool:
    """A run of keys ("asdfgh", "qwerty") or of consonants ("sdfhkj") nobody writes as a word."""
    if len(token) < 4:
        return False
    if any(token in row or token in row[::-1] for row in _ROWS):
        return True
    return len(token) >= MASH_CONSONANTS and token.isalpha() and not _VOWEL.search(token)


def looks_like_noise(text: str) -> bool:
    """"asdfgh", "jajaja", "qwerty lol": laughter or keys hit at random, no words at all."""
    tokens = re.findall(r"[^\W_]+", fold(text))
    return bool(tokens) and all(_LAUGH.match(t) or _mash(t) for t in tokens)


_MY_ANSWER = re.compile(r"^\W*((si|yes),? )?((es|era|fue) )?(mi|la) respuesta\b|^\W*((si|yes),? )?"
                        r"((it'?s|it is|that'?s|that is|its) )?(my|the) answer\b")
_OTHER_PROBLEM = re.compile(r"^\W*((no|nope),? )?((es|era) )?(otro problema|otra cosa|un problema"
                            r" (nuevo|distinto|diferente)|problema nuevo|algo nuevo)\b"
                            r"|^\W*((no|nope),? )?((it'?s|it is|its|that'?s) )?(another|a new|a "
                            r"different|other|new) (problem|issue|thing)\b")


def says_my_answer(text: str) -> bool:
    """"es mi respuesta", "it's my answer": typed instead of pressing the button."""
    return bool(_MY_ANSWER.search(fold(text)))


def says_other_problem(text: str) -> bool:
    """"es otro problema", "it's a new problem": typed instead of pressing the button."""
    return bool(_OTHER_PROBLEM.search(fold(text)))
