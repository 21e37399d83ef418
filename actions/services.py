"""The composition root's container: settings, database, templates, and (lazily) the matcher and
the NLU interpreter. Built once per process by the entry point (CLI, console, Slack app, rasa-sdk
action server) and handed down; nothing here runs at import time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from actions.inbox import mark_done_in_commit
from actions.messages import Messages
from actions.notify import queue_notifications
from actions.settings import Settings, load_settings
from actions.sla_clock import calendar_for
from store.db import make_engine, make_session_factory
from store.uow import UnitOfWork


@dataclass
class Services:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    messages: Messages = field(default_factory=lambda: Messages("mrkdwn"))
    plain: Messages = field(default_factory=lambda: Messages("plain"))
    _lazy: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _outbox_callbacks: list[Callable[[], None]] = field(default_factory=list)

    def uow(self) -> UnitOfWork:
        """A fresh unit of work that also queues notifications for what it commits, marks the
        inbox row of the running turn done in the same commit when the turn asks for it, and
        lends the use cases the SLA's working-time calendar (pause and resume count working
        time)."""
        uow = UnitOfWork(self.session_factory)
        uow.working_time = calendar_for(self.settings.sla)
        uow.before_commit(queue_notifications)
        uow.before_commit(mark_done_in_commit)
        uow.after_commit(self._wake_delivery)
        return uow

    def on_outbox(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` after every commit that queued outbound messages, so a delivery
        worker can send them at once instead of at its next tick."""
        self._outbox_callbacks.append(callback)

    def _wake_delivery(self, uow: UnitOfWork) -> None:
        if uow.outbox.queued:
            uow.outbox.queued = 0
            for callback in list(self._outbox_callbacks):
                callback()

    def _get(self, name: str, build: Any) -> Any:
        with self._lock:
            if name not in self._lazy:
                self._lazy[name] = build()
            return self._lazy[name]

    @property
    def matcher(self) -> Any:
        """The FAQ matcher over the configured articles (built on first use)."""

        def build() -> Any:
            from kb.loader import load_articles
            from kb.matcher import Matcher

            faq = self.settings.faq
            articles = load_articles(faq.articles_dir, categories=tuple(self.settings.categories))
            return Matcher(articles, min_score=faq.min_score)

        return self._get("matcher", build)

    @property
    def interpreter(self) -> Any:
        """The NLU interpreter: embedded, or a Rasa server when DESKBOT_RASA_URL is set."""

        def build() -> Any:
            from nlu import load_interpreter

            return load_interpreter(
                config_path=self.settings.config_path, rasa_url=self.settings.rasa_url
            )

        return self._get("interpreter", build)

    def close(self) -> None:
        self.engine.dispose()


def build_services(settings: Settings | None = None, *, migrate: bool = False,
                   database_url: str | None = None) -> Services:
    """Wire the desk for one process. ``migrate=True`` upgrades the schema and syncs teams."""
    settings = settings or load_settings()
    engine = make_engine(database_url or settings.database_url)
    services = Services(settings=settings, engine=engine,
                        session_factory=make_session_factory(engine))
    if migrate:
        from actions.people import sync_teams
        from store.migrate import upgrade

        upgrade(engine)
        try:
            sync_teams(services.uow(), settings)
        except IntegrityError:  # another process starting at the same moment wrote them
            sync_teams(services.uow(), settings)
    return services


_default: Services | None = None
_default_lock = threading.Lock()


def default_services() -> Services:
    """Services from the environment, for entry points that cannot pass them in (the rasa-sdk
    action server instantiates actions itself)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = build_services(migrate=True)
        return _default


def set_default_services(services: Services | None) -> None:
    """Install the process's services (the CLI and tests do this before running actions)."""
    global _default
    with _default_lock:
        _default = services
