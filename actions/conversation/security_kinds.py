"""What kind of security incident a message describes, so the first advice fits the case.

"Don't forward the email" helps after a phishing mail and is nonsense after a stolen laptop.
The kinds follow what the desk treats as a threat to information: phishing, malware, a lost or
stolen device, a data leak, unauthorised access to an account, and impersonation (someone posing
as a manager, a supplier or IT). Rules on folded text, tried from the most specific kind to the
least: a stolen laptop mentioned with an email is still a stolen laptop.
"""

from __future__ import annotations

import re

from actions.conversation.phrases import fold

KINDS = ("lost_device", "impersonation", "data_leak", "malware", "unauthorised_access",
         "phishing")
GENERIC = "other"

_DEVICE = (r"(laptop|lap|portatil|ordenador|compu|computadora|equipo|pc|celular|cel|celu"
           r"|telefono|movil|smartphone|iphone|android|tableta|macbook|cellphone|handy"
           r"|llave usb|lapiz usb"
           r"|tablet|ipad|usb|memoria|disco|pendrive|gafete|credencial|tarjeta de acceso"
           r"|mochila|maleta|badge|phone|mobile|device|computer|notebook|backpack|bag|drive"
           r"|stick|token)(?:e?s)?\b")  # whole words, plurals too: not "celebracion", "driver"
_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("lost_device", re.compile(
        r"\b(rob(o|aron|ado|ada)|hurt(o|aron)|asalt(o|aron)|perd(i|io|ida|ido|imos|ieron)"
        r"|extravi(e|o|ado|ada)|se me (olvido|quedo|cayo)|olvide|stolen|stole|lost|left|missing"
        r"|theft|robbed|mugged)\b.{0,60}\b" + _DEVICE + r"|\b" + _DEVICE
        + r".{0,40}\b(rob(ado|ada|aron)|perdid[oa]|extraviad[oa]|stolen|lost|missing)\b")),
    ("impersonation", re.compile(
        r"(haciendo pasar|hizo pasar|hace pasar|hacerse pasar|suplant|dic(e|iendo|ia) ser"
        r"|pretend|impersonat|posing as|claim(ed|ing)? to be|ceo fraud|fraude del ceo"
        r"|tarjetas de regalo|gift ?cards?|cambio de cuenta bancaria|change (of )?bank)")),
    ("data_leak", re.compile(
        r"(fuga|filtr(o|aron|ado|acion)|leak|breach|expuest|exposed"
        r"|(envie|mande|comparti|publique|subi|sent|shared|posted|uploaded|forwarded)"
        r"\b.{0,60}\b(equivocad|por error|sin querer|externo|afuera|de fuera|wrong|mistake"
        r"|accident|external|outside|public|personal))")),
    ("malware", re.compile(
        r"(virus|malware|troyano|trojan|ransom|rescate|encriptad|cifrad|encrypted|spyware"
        r"|programa espia|keylogger|antivirus|popups?|pop-ups?|ventanas solas|se mueve solo"
        r"|bitcoin|gusano|worm|(abri|descargue|instale|ejecute|opened|downloaded|installed|ran)"
        r"\b.{0,40}\b(archivo|programa|ejecutable|file|program|exe|app))")),
    ("unauthorised_access", re.compile(
        r"(hacke|jaque|alguien (entro|esta usando|usa|uso|accedio|cambio)|someone (is using|used"
        r"|logged|accessed|changed|got into)|inicio de sesion|inicios de sesion|sign-?in|login"
        r"|(logging|logs|signing|signs|signed|logged|getting|got|break(ing)?) in(to)?\b"
        r"|(entrando|entran|entraron|accediendo|acceden|usando|usan) (a |en )?(mi|mis)\b"
        r"|(into|using|accessing|access to) my (account|mail|email|mailbox|computer|laptop)"
        r"|log-?in|comprometid|compromised|no autorizad|unauthori[sz]ed|sin (mi )?permiso"
        r"|without (my )?permission|que yo no mande|i didn'?t send|mfa|autenticador)")),
    ("phishing", re.compile(
        r"(phish|correo|mail|enlace|link|liga|adjunto|attachment|sms|mensaje|message"
        r"|whatsapp|pagina falsa|fake (page|site)|credenciales|contrasena|password)")),
)


def security_kind(text: str) -> str:
    """One of ``KINDS``, or ``"other"`` when the message says too little to tell."""
    folded = fold(text)
    for kind, pattern in _RULES:
        if pattern.search(folded):
            return kind
    return GENERIC
