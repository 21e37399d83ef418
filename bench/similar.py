"""How well the duplicate check at intake tells "the same problem" from "another problem".

    python -m bench.similar

Pairs of reports of the same category, written by hand as employees write them (typos, other
words, both languages), labelled same or different. The thresholds of ``actions.similar`` were
set before this set was written and are not tuned on it: the figures say how they behave, for
reports opened long apart (``SAME_TEXT``) and within minutes of each other (``BURST_TEXT``).
"""

from __future__ import annotations

from actions.similar import BURST_TEXT, SAME_TEXT, similarity

SAME = [
    ("No hay internet en la oficina del piso 3", "sin internet en la oficina piso 3"),
    ("La impresora del segundo piso no imprime", "la impresora del 2do piso no imprime nada"),
    ("Outlook no me deja enviar correos", "no puedo enviar correos desde outlook"),
    ("La VPN no conecta desde casa", "no conecta la vpn desde mi casa"),
    ("El wifi de la sala de juntas se cae", "se cae el wifi en la sala de juntas"),
    ("Teams no carga, se queda en blanco", "teams se queda en blanco y no carga"),
    ("No funciona el proyector de la sala B", "el proyector de la sala B no funciona"),
    ("SAP está caído", "sap caido no puedo entrar"),
    ("The shared drive is not reachable", "cannot reach the shared drive"),
    ("Printer on floor 3 prints blank pages", "printer floor 3 printing blank pages"),
    ("No internet in the office", "office has no internet"),
    ("El correo no llega a nadie desde esta mañana", "desde esta mañana no llega el correo"),
]
DIFFERENT = [
    ("No hay internet en la oficina del piso 3", "la vpn no conecta desde casa"),
    ("La impresora del segundo piso no imprime", "la impresora hace ruido al escanear"),
    ("Outlook no me deja enviar correos", "outlook me pide la contraseña cada rato"),
    ("La VPN no conecta desde casa", "la vpn va lentísima en la oficina"),
    ("El wifi de la sala de juntas se cae", "no tengo cable de red en mi puesto"),
    ("Teams no carga, se queda en blanco", "no se escucha el audio en las llamadas de teams"),
    ("No funciona el proyector de la sala B", "falta el cable hdmi en la sala C"),
    ("SAP está caído", "necesito acceso a un informe de SAP"),
    ("The shared drive is not reachable", "I need write access to the finance folder"),
    ("Printer on floor 3 prints blank pages", "printer on floor 1 is out of toner"),
    ("No internet in the office", "my laptop will not turn on"),
    ("El correo no llega a nadie desde esta mañana", "quiero una firma nueva en el correo"),
]


def _rates(threshold: float) -> tuple[int, int]:
    found = sum(1 for a, b in SAME if similarity(a, b) >= threshold)
    false = sum(1 for a, b in DIFFERENT if similarity(a, b) >= threshold)
    return found, false


def main() -> None:
    print(f"{len(SAME)} same-problem pairs, {len(DIFFERENT)} different-problem pairs")
    for name, threshold in (("long apart (SAME_TEXT)", SAME_TEXT),
                            ("within minutes (BURST_TEXT)", BURST_TEXT)):
        found, false = _rates(threshold)
        print(f"{name:<28} threshold {threshold:>3}: offered for {found}/{len(SAME)} same, "
              f"wrongly for {false}/{len(DIFFERENT)} different")


if __name__ == "__main__":
    main()
