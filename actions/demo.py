"""``deskbot seed --demo``: months of desk history, so a new desk's dashboard has life at once.

People are registered through the real use case (``add_person``); the history itself is written
in bulk by ``store.demo`` (months of tickets one use case at a time would take minutes), in one
unit of work: all of it or nothing.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime

from actions.common import now as desk_now
from actions.people import NewPerson, add_person
from actions.settings import Settings
from store.demo import DemoDesk, generate
from store.errors import Conflict
from store.uow import UnitOfWork

DEMO_STAFF = (
    NewPerson(name="Diego Ramos", role="technician", team="L1",
              addresses={"email": "diego@example.com"}),
    NewPerson(name="Priya Shah", role="technician", team="L1",
              addresses={"email": "priya@example.com"},
              language="en"),
    NewPerson(name="Lucía Fernández", role="technician", team="L2",
              addresses={"email": "lucia@example.com"}),
)
DEMO_EMPLOYEES = (
    "Sofía Martín", "Javier López", "Valentina Ríos", "Tom Walker", "Camila Herrera",
    "Mateo Silva", "Olivia Green", "Andrés Castro", "Paula Moreno", "James Carter",
    "Daniela Ortiz", "Raúl Vega", "Grace Kim", "Elena Navarro", "Pedro Alonso",
)


def _email(name: str) -> str:
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return ascii_name.lower().replace(" ", ".") + "@example.com"


def ensure_demo_people(uow_factory, extra: tuple[NewPerson, ...] = ()) -> None:  # noqa: ANN001
    people = [*DEMO_STAFF, *extra, *(NewPerson(name=n, addresses={"email": _email(n)},
                                               language="en" if n in ("Tom Walker", "Olivia Green",
                                                                      "James Carter", "Grace Kim")
                                               else "es") for n in DEMO_EMPLOYEES)]
    for person in people:
        with suppress(Conflict):
            add_person(uow_factory(), person)


def seed_demo(uow: UnitOfWork, settings: Settings, *, days: int = 90, per_day: float = 12.0,
              articles: tuple[str, ...] = (), at: datetime | None = None,
              seed: int = 7) -> dict[str, int]:
    """Write ``days`` of history ending now for the people already registered."""
    at = at or desk_now()
    with uow:
        people = uow.people.list()
        requesters = [p.id for p in people if p.role == "requester" and p.active]
        staff: dict[str, list[int]] = {}
        for p in people:
            if p.role == "technician" and p.team_code and p.active:
                staff.setdefault(p.team_code, []).append(p.id)
        if not requesters or not staff:
            raise ValueError("the demo history needs employees and technicians: register them")
        desk = DemoDesk(
            requesters=requesters, technicians=staff,
            category_team=dict(settings.categories),
            targets={p: (t.first_response_minutes, t.resolution_minutes)
                     for p, t in settings.sla.targets.items()},
            articles=articles,
            survey_question=settings.survey_questions[0].id if settings.survey_questions
            else "overall")
        totals = generate(uow.session, desk, now=at, days=days, per_day=per_day, seed=seed)
        uow.commit()
    return totals
