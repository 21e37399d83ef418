"""How long ``/ticket search`` and the duplicate check at intake take as the desk grows.

    python -m bench.search [--sizes 500,2000,5000]

Tickets (SQLite) are bulk-inserted from a few dozen realistic problems with small variations,
each with two comments and a note. Figures per size: the median time of a search of two words
(one with a typo) over title, description and comments, and of ``find_similar`` for a new
problem (the check that runs before every ticket is opened).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert

from actions.common import now
from actions.people import NewPerson, add_person, sync_teams
from actions.search import search
from actions.services import Services, build_services
from actions.settings import load_settings
from actions.similar import find_similar
from store.migrate import upgrade
from store.models import Event, Ticket

PROBLEMS = [
    ("La VPN no conecta desde casa", "network"), ("No me llegan los correos en Outlook", "email"),
    ("La impresora del piso {n} no imprime", "hardware"), ("Olvidé mi contraseña", "access"),
    ("El portátil va muy lento", "hardware"), ("No puedo instalar Teams", "software"),
    ("Excel se cierra al abrir un archivo", "software"),
    ("El wifi de la sala {n} se cae", "network"),
    ("Necesito acceso a la carpeta de finanzas", "access"), ("La pantalla parpadea", "hardware"),
    ("My laptop battery drains fast", "hardware"), ("Cannot reach the file server", "network"),
]


def _fill(size: int, workdir: Path) -> tuple[Services, int]:
    settings = load_settings()
    services = build_services(settings, database_url=f"sqlite:///{workdir / f'{size}.db'}")
    upgrade(services.engine)
    sync_teams(services.uow(), settings)
    people = [add_person(services.uow(), NewPerson(name=f"Persona {i}",
                                                   addresses={"email": f"p{i}@x.com"})).id
              for i in range(50)]
    rng = random.Random(size)
    start = now() - timedelta(days=30)
    tickets, events = [], []
    for number in range(1, size + 1):
        text, category = rng.choice(PROBLEMS)
        title = text.format(n=rng.randint(1, 9))
        at = start + timedelta(minutes=number * 5)
        tickets.append({"id": number, "key": f"INC-{number}", "kind": "incident",
                        "number": number, "title": title, "description": title + " desde ayer",
                        "category": category, "impact": "medium", "urgency": "medium",
                        "priority": "P3", "status": rng.choice(["open", "in_progress", "closed"]),
                        "requester_id": rng.choice(people), "team_code": "L1", "channel": "slack",
                        "language": "es", "created_at": at, "updated_at": at,
                        "paused_seconds": 0, "version": 1})
        for seq, (kind, words) in enumerate((("commented", "¿Desde cuándo pasa?"),
                                             ("commented", "Reinicia y me dices"),
                                             ("noted", "revisar logs del servidor")), start=1):
            events.append({"ticket_id": number, "seq": seq, "at": at, "type": kind,
                           "visibility": "internal" if kind == "noted" else "public",
                           "payload": {"text": words}})
    with services.engine.begin() as conn:
        conn.execute(insert(Ticket), tickets)
        conn.execute(insert(Event), events)
    return services, people[0]


def _median(fn: Callable[[], object], runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="500,2000,5000")
    args = parser.parse_args()
    print(f"{'tickets':>8}  {'search ms':>10}  {'duplicate check ms':>19}  hits")
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            services, someone = _fill(size, Path(tmp))
            hits = search(services.uow(), actor_id=None, words="impresroa piso")

            def searching(desk: Services = services) -> object:
                return search(desk.uow(), actor_id=None, words="impresroa piso")

            def checking(desk: Services = services, person: int = someone) -> object:
                return find_similar(desk.uow(), text="la vpn no me conecta desde casa",
                                    category="network", requester_id=person)

            print(f"{size:>8}  {_median(searching):>10.1f}  {_median(checking):>19.1f}"
                  f"  {len(hits)}")
            services.close()


if __name__ == "__main__":
    main()
