"""A month of desk work built through the real use cases, at chosen instants (time_machine).

November 2026 (UTC); the tests hold the hand-computed figures. Names, not keys:

inc1  hardware P3 slack   Carlos  02 09:00; Ana claims 09:30, replies 10:00, private note 10:10,
                                  resolves 12:00; Carlos confirms 12:30 and rates 5 with a comment
inc2  network  P1 email   Emma    03 08:00; Luis replies 08:30 (due 08:15: late), asks Emma 09:00
                                  (pending), Emma answers 11:00 (2 h paused), Luis resolves
                                  13:30, Emma says not fixed 14:00, Luis resolves 16:00 (due
                                  12:00 + 2 h = 14:00: late); Emma rates 2
inc3  software P4 slack   Carlos  05 10:00; nobody touches it
inc4  other    P3 console Carlos  10 09:00; Carlos cancels it at 09:05
req1  software P3 console Emma    20 15:00; Ana resolves at 15:20, Emma confirms 16:00, rates 4
old   hardware P3 console Carlos  October 15, resolved by Ana the same day: outside the period
Deflections: vpn-setup twice and password-reset once in November; password-reset in October.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import time_machine

from actions import closure, work
from actions.intake import NewTicket, open_ticket
from store.models import Deflection

SINCE = datetime(2026, 11, 1, tzinfo=UTC)
UNTIL = datetime(2026, 12, 1, tzinfo=UTC)
NOW = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass(frozen=True)
class Month:
    keys: dict[str, str]


def build_month(services, settings, cast) -> Month:  # type: ignore[no-untyped-def]
    """Write the month described above; returns the keys by name."""
    keys: dict[str, str] = {}

    def travel(text: str):  # type: ignore[no-untyped-def]
        return time_machine.travel(at(text), tick=False)

    def open_(name: str, when: str, person, text: str, **kw) -> None:  # type: ignore[no-untyped-def]
        with travel(when):
            keys[name] = open_ticket(services.uow(), settings, NewTicket(
                requester_id=person.id, description=text, **kw)).key

    u = services.uow
    open_("old", "2026-10-15 09:00", cast.carlos, "Impresora del piso 2 atascada",
          category="hardware")
    with travel("2026-10-15 10:00"):
        work.resolve(u(), key=keys["old"], actor_id=cast.ana.id, summary="Papel retirado")

    open_("inc1", "2026-11-02 09:00", cast.carlos, "La impresora no imprime nada",
          category="hardware", channel="slack")
    with travel("2026-11-02 09:30"):
        work.claim(u(), key=keys["inc1"], actor_id=cast.ana.id)
    with travel("2026-11-02 10:00"):
        work.comment(u(), key=keys["inc1"], actor_id=cast.ana.id, text="Voy para allá")
    with travel("2026-11-02 10:10"):
        work.note(u(), key=keys["inc1"], actor_id=cast.ana.id, text="Fusor dañado, cambiar")
    with travel("2026-11-02 12:00"):
        work.resolve(u(), key=keys["inc1"], actor_id=cast.ana.id, summary="Fusor cambiado")
    with travel("2026-11-02 12:30"):
        closure.confirm(u(), key=keys["inc1"], actor_id=cast.carlos.id)
        closure.answer_survey(u(), settings, key=keys["inc1"], actor_id=cast.carlos.id,
                              rating=5, comment="Muy rápido")

    open_("inc2", "2026-11-03 08:00", cast.emma, "VPN keeps dropping, cannot connect",
          category="network", impact="high", urgency="high", channel="email")
    with travel("2026-11-03 08:30"):
        work.comment(u(), key=keys["inc2"], actor_id=cast.luis.id, text="Looking into it")
    with travel("2026-11-03 09:00"):
        work.set_pending(u(), key=keys["inc2"], actor_id=cast.luis.id,
                         question="Which office are you in?")
    with travel("2026-11-03 11:00"):
        work.comment(u(), key=keys["inc2"], actor_id=cast.emma.id, text="London")
    with travel("2026-11-03 13:30"):
        work.resolve(u(), key=keys["inc2"], actor_id=cast.luis.id, summary="Profile fixed")
    with travel("2026-11-03 14:00"):
        closure.reject(u(), key=keys["inc2"], actor_id=cast.emma.id, reason="Still drops")
    with travel("2026-11-03 16:00"):
        work.resolve(u(), key=keys["inc2"], actor_id=cast.luis.id, summary="MTU lowered")
    with travel("2026-11-03 16:30"):
        closure.answer_survey(u(), settings, key=keys["inc2"], actor_id=cast.emma.id, rating=2)

    open_("inc3", "2026-11-05 10:00", cast.carlos, "Impresora sin driver en la compu",
          category="software", impact="low", urgency="low", channel="slack")
    open_("inc4", "2026-11-10 09:00", cast.carlos, "Mouse raro")
    with travel("2026-11-10 09:05"):
        work.cancel(u(), key=keys["inc4"], actor_id=cast.carlos.id, reason="Ya funciona")

    open_("req1", "2026-11-20 15:00", cast.emma, "Install Excel on my laptop",
          kind="request", category="software")
    with travel("2026-11-20 15:20"):
        work.resolve(u(), key=keys["req1"], actor_id=cast.ana.id, summary="Installed")
    with travel("2026-11-20 16:00"):
        closure.confirm(u(), key=keys["req1"], actor_id=cast.emma.id)
        closure.answer_survey(u(), settings, key=keys["req1"], actor_id=cast.emma.id, rating=4)

    with services.session_factory() as session, session.begin():
        for article, when in (("vpn-setup", "2026-11-04 10:00"), ("vpn-setup", "2026-11-06 10:00"),
                              ("password-reset", "2026-11-07 10:00"),
                              ("password-reset", "2026-10-20 10:00")):
            session.add(Deflection(person_id=cast.carlos.id, article_id=article, query="?",
                                   at=at(when)))
    return Month(keys)
