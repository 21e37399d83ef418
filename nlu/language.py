"""Which language a message is written in (``es`` or ``en``), so the bot answers in it.

Messages are short and mixed ("hola, my laptop no prende"), so a statistical detector trained on
prose would guess badly. Instead: count Spanish and English function words and chat words, add
Spanish character cues (ñ, accents, ¿ ¡), and prefer Spanish when the counts tie but any Spanish
word appears (Spanglish is mostly Spanish speakers borrowing English IT words). With no evidence
at all the desk's default language wins.
"""

from __future__ import annotations

import re

from nlu.text import fold

SPANISH = frozenset("""
a al algo alguien algun alguna ahi aqui asi aun ayer ayuda ayudame bien buen buena buenas buenos
cada casi chao como con contigo cual cuando cuanto de del desde donde el ella ellos en entre era
es esa ese eso esta estan estas este esto estoy fue gracias grax hace hacer hasta hay hola hoy
la las le les lo los luego mas me mi mis mucho muy nada necesito ni no nos nosotros o otra otro
para pero poco por porfa porque pq pues puedo puede pueden q que quien quiero se sea si sin
sobre solo soy su sus tambien tan te tengo ti tiene todo todos tu un una uno unos usted va vale
vamos ya yo xq xfa oye bueno dale sip nel nop claro adios gracias chido ocupo favor ahorita
funciona sirve prende jala correo contrasena compu equipo tecnico persona hablar dias tardes
noches saludos onda pasa pasó mañana manana problema ayudar
""".split())

ENGLISH = frozenset("""
a about after all am an and any anyone are as at be because been but by can could did do does
doesnt dont for from get got had has have hello hey hi how i if im in is isnt it its just keep
keeps me my need no not now of off on or our out please pls plz so some someone still thank
thanks thx ty that the their them then there this to too up us want was we were what whats when
where which who why will with work working wont would yes yeah yep you your bye morning
afternoon evening cant cannot problem help again
""".split())

# Words spelled the same in both languages tell us nothing.
_SHARED = SPANISH & ENGLISH
_ONLY_SPANISH = SPANISH - _SHARED
_ONLY_ENGLISH = ENGLISH - _SHARED
_WORD = re.compile(r"[a-zñ']+")
_SPANISH_CHARS = re.compile(r"[ñáéíóúü¿¡]", re.IGNORECASE)


def evidence(text: str) -> tuple[int, int]:
    """``(spanish, english)``: how much of the message speaks for each language (its words
    that only one language uses, and Spanish characters counted double)."""
    lowered = text.lower()
    folded = fold(lowered)
    words = _WORD.findall(folded)
    if "'" in folded:
        words = [w.replace("'", "") for w in words]
    spanish = sum(1 for w in words if w in _ONLY_SPANISH)
    english = sum(1 for w in words if w in _ONLY_ENGLISH)
    # every character the cues name is outside ASCII, in either case
    cues = 0 if lowered.isascii() else len(_SPANISH_CHARS.findall(lowered))
    return spanish + 2 * cues, english


def detect_language(text: str, default: str = "es") -> str:
    """``"es"`` or ``"en"``; ``default`` when the message carries no evidence either way."""
    spanish, english = evidence(text)
    if spanish == english == 0:
        return default if default in ("es", "en") else "es"
    if spanish >= english:
        return "es"
    # Spanglish: a Spanish function word among English IT words still means a Spanish speaker.
    return "es" if spanish > 0 and english <= 2 * spanish else "en"
