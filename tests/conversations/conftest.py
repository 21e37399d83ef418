"""Conversation fixtures: the desk on SQLite with the real NLU model and knowledge base.

The NLU pipeline is trained once per test session into a temporary cache, and the matcher is
built once; each test gets a fresh database with the usual people (``cast``) and a console.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from actions.services import Services
from actions.settings import Settings
from bot.console import Console
from store.models import (
    Conversation,
    Deflection,
    Event,
    OutboxMessage,
    Person,
    SecurityRecord,
    SurveyAnswer,
    Ticket,
)
from tests.conftest import ROOT, Cast, add_cast

TABLES = {"tickets": Ticket, "events": Event, "outbox": OutboxMessage, "deflections": Deflection,
          "survey_answers": SurveyAnswer, "conversations": Conversation,
          "security_records": SecurityRecord, "people": Person}


@pytest.fixture(scope="session")
def nlu_interpreter(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from nlu import load_interpreter

    return load_interpreter(ROOT / "config.yml", rasa_url="",
                            cache_dir=tmp_path_factory.mktemp("nlu-cache"))


@pytest.fixture(scope="session")
def faq_matcher(settings: Settings) -> Any:
    from kb.loader import load_articles
    from kb.matcher import Matcher

    return Matcher(load_articles(settings.faq.articles_dir), min_score=settings.faq.min_score)


@pytest.fixture
def desk(sqlite_services: Services, nlu_interpreter: Any, faq_matcher: Any) -> Services:
    """SQLite desk whose lazily built NLU and matcher are the session's shared ones."""
    sqlite_services._lazy["interpreter"] = nlu_interpreter
    sqlite_services._lazy["matcher"] = faq_matcher
    return sqlite_services


@pytest.fixture
def people(desk: Services) -> Cast:
    return add_cast(desk)


@pytest.fixture
def console(desk: Services, people: Cast) -> Iterator[Console]:
    yield Console(desk, people.carlos, channels=("console", "email", "slack"))


def counts(services: Services) -> dict[str, int]:
    """Rows per table: what "nothing was written" is checked against. ``outbox`` counts the
    notices a change caused; a turn's own answer (a ``reply`` row, which the console prints
    through the outbox too) is ``replies``."""
    with services.session_factory() as session:
        found = {name: session.scalar(select(func.count()).select_from(model)) or 0
                 for name, model in TABLES.items()}
        found["replies"] = session.scalar(select(func.count()).select_from(OutboxMessage)
                                          .where(OutboxMessage.template == "reply")) or 0
    found["outbox"] -= found["replies"]
    return found


def transcripts_dir() -> Path:
    return Path(__file__).resolve().parent
