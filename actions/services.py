"""The composition root's container: settings, database, templates, and (lazily) the matcher and
the NLU interpreter. Built once per process by the entry point (CLI, console, Slack app, rasa-sdk
action server) and handed down; nothing here runs at import time.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from actions.channels import BUILT_IN
from actions.inbox import confirm_done, mark_done_in_commit
from actions.messages import LANGUAGES, Messages
from actions.notify import notifier
from actions.ports import Matcher, NluInterpreter
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
    #: Channel -> deliverer for messages sent right after the commit that queued them.
    _inline: dict[str, Any] = field(default_factory=dict)
    _local: threading.local = field(default_factory=threading.local)
    #: Channels tickets and conversations may belong to (built-in ones, plus those plugged in).
    channels: set[str] = field(default_factory=lambda: set(BUILT_IN))

    def __post_init__(self) -> None:
        """Templates name teams as config.yml does, in each reader's language."""
        names = {code: {lang: team.label(lang) for lang in LANGUAGES}
                 for code, team in self.settings.teams.items()}
        self.messages.teams = self.plain.teams = names

    def uow(self, *, savepoint: bool = True) -> UnitOfWork:
        """A fresh unit of work that also queues notifications for what it commits, and lends
        the use cases the SLA's working-time calendar (pause and resume count working time).

        Inside ``turn()`` it joins the turn's transaction instead (a savepoint): the use case
        runs unchanged, and its writes become durable with the rest of the turn.
        ``savepoint=False``: a use case whose failure always fails the turn writes without a
        savepoint of its own (``UnitOfWork.own_savepoint``)."""
        outer = getattr(self._local, "turn", None)
        uow = UnitOfWork(self.session_factory, outer=outer, savepoint=savepoint)
        uow.working_time = calendar_for(self.settings.sla)
        uow.channels = tuple(sorted(self.channels))
        uow.before_commit(notifier(self.settings.language))
        if outer is None:
            uow.claim_outbox = self._claim_for_delivery
            uow.before_commit(self._take_for_delivery)
            uow.after_commit(self._after_commit)
        return uow

    @contextlib.contextmanager
    def turn(self) -> Iterator[UnitOfWork]:
        """One unit of work for everything one inbound message, button or command does.

        Every ``uow()`` opened in this thread until the block ends joins it, so the dedupe key,
        the person, the conversation state, the action's writes and the outgoing messages commit
        together when the caller calls ``commit()`` on the yielded unit, once. Messages queued
        for a channel delivered in this process are sent when the block ends, after the commit
        and outside any transaction. Inside another turn, this one joins it.
        """
        current = getattr(self._local, "turn", None)
        if current is not None:
            yield _InTurn(current)  # type: ignore[misc]
            return
        root = self.uow()
        # A turn run from the inbox marks its row done in this same commit.
        root.before_commit(mark_done_in_commit)
        root.after_commit(confirm_done)
        self._local.turn, self._local.claimed = root, []
        try:
            with root:
                yield root
        finally:
            claimed, self._local.turn, self._local.claimed = self._local.claimed, None, []
            if claimed:
                self._deliver_now(claimed)

    def commit_turn(self) -> None:
        """Commit what this thread's turn has done so far, before a channel adapter talks to
        the outside (a Slack call must not hold a transaction, nor SQLite's write lock, open).
        What the turn does afterwards commits when it ends. Outside a turn: nothing to do."""
        turn = getattr(self._local, "turn", None)
        if turn is not None:
            turn.commit()

    def add_channel(self, channel: Any) -> None:
        """Plug in a channel (``actions.channels.Channel``): tickets and conversations may
        belong to it and the outbox delivers its messages right after each commit."""
        self.channels.add(channel.name)
        self.deliver_inline({channel.name: channel})

    def deliver_inline(self, deliverers: Mapping[str, Any]) -> None:
        """Send messages of these channels right after the commit that queued them (the outbox
        worker stays the safety net: what fails here is retried by it)."""
        self._inline.update(deliverers)
        self.channels.update(deliverers)

    def on_outbox(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` after every commit that queued outbound messages, so a delivery
        worker can send them at once instead of at its next tick."""
        self._outbox_callbacks.append(callback)

    def _claim_for_delivery(self, row: Any) -> None:
        """As a message is queued: if this process delivers its channel right after the
        commit, it is inserted claimed (``sending`` under a lease), so no other process races
        it for the message and the claim costs no statement of its own."""
        from actions.common import now
        from actions.outbox import SENDING

        if row.channel in self._inline:
            lease_until = now() + timedelta(seconds=self.settings.outbox_lease_seconds)
            row.status, row.attempts, row.next_attempt_at = SENDING, 1, lease_until

    def _take_for_delivery(self, uow: UnitOfWork) -> None:
        """Before commit: this transaction's messages this process delivers right after it
        (claimed as they were queued, or now for those queued before the channel was known)."""
        from actions.outbox import SENDING, OutboxItem

        rows = [row for row in uow.outbox.added
                if row.channel in self._inline and row in uow.session]
        uow.outbox.added = []
        if not rows:
            return
        late = [row for row in rows if row.status != SENDING]
        for row in late:
            self._claim_for_delivery(row)
        if late:
            uow.session.flush()
        uow.outbox.queued -= len(rows)
        uow.claimed = [OutboxItem.of(row) for row in rows]  # type: ignore[attr-defined]

    def _after_commit(self, uow: UnitOfWork) -> None:
        claimed = getattr(uow, "claimed", None)
        if claimed:
            uow.claimed = []  # type: ignore[attr-defined]
            if getattr(self._local, "turn", None) is uow:
                self._local.claimed.extend(claimed)  # sent when the turn's block ends
            else:
                self._deliver_now(claimed)
        self._wake_delivery(uow)

    def mark_delivered_in_batches(self) -> None:
        """From now on, messages delivered right after their commit are marked delivered
        together a moment later (``actions.outbox.DeliveredMarks``) instead of one commit
        each: ``deskbot run`` does this; one-shot commands and the console mark at once."""
        self._lazy.setdefault("batch_marks", True)

    def deliver_in_background(self, threads: int = 48) -> None:
        """From now on, what a turn queued for an inline channel is sent by delivery threads
        (``actions.outbox.BackgroundDelivery``) instead of by the turn's own thread after its
        commit: ``deskbot run`` does this, so its inbox workers never wait on Slack's servers.

        48 threads: Slack answers a post in 50-300 ms, so 150 replies a second need about 45
        posts in flight (16 capped a process at about 100 a second with 150 ms answers); a
        thread waiting on the network holds no core and no interpreter lock."""
        from actions.outbox import BackgroundDelivery

        self._get("background_delivery",
                  lambda: BackgroundDelivery(self._deliver_items, threads=threads))

    def _deliver_now(self, items: list[Any]) -> None:
        background = self._lazy.get("background_delivery")
        if background is not None:
            background.submit(items)
        else:
            self._deliver_items(items)

    def _deliver_items(self, items: list[Any]) -> None:
        from actions.outbox import DeliveredMarks, deliver_claimed

        marks = None
        if self._lazy.get("batch_marks"):
            marks = self._get("delivered_marks", lambda: DeliveredMarks(self))
        deliver_claimed(self, self._inline, items, marks=marks)

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
    def matcher(self) -> Matcher:
        """The FAQ matcher over the configured articles (built on first use, and again when the
        folder's files change: an article published by ``deskbot kb publish`` in another process
        is searched from the next question on), with what the desk has learned so far: one
        counter read per use, the phrasings reloaded when another turn or process changed them."""
        turn = getattr(self._local, "turn", None)
        if turn is not None and getattr(self._local, "matcher_of", None) is turn:
            return self._local.matcher  # checked already in this turn
        self._forget_matcher_if_articles_changed()
        matcher = self._get("matcher", self._build_matcher)
        overlay = self._get("learned_overlay", _learned_overlay)
        overlay.refresh(matcher, self.uow())
        if turn is not None:  # one look per turn, however many times the turn asks
            self._local.matcher_of, self._local.matcher = turn, matcher
        return matcher

    def look_for_article_changes_every(self, seconds: float) -> None:
        """Walk the knowledge-base folder at most once per ``seconds`` instead of every
        question (a walk stats every article, ~1 ms): ``deskbot run`` answers many questions
        a second and picks up an edited article that much later; commands and the console,
        which an editor runs right after ``kb add``, keep looking every time. The phrasings
        other processes learned are looked for as often (this process's own at once)."""
        self._lazy["articles_check_seconds"] = seconds
        self._get("learned_overlay", _learned_overlay).every = seconds

    def _forget_matcher_if_articles_changed(self) -> None:
        every = self._lazy.get("articles_check_seconds")
        if every:
            now = time.monotonic()
            if now - self._lazy.get("articles_checked_at", -every) < every:
                return
            self._lazy["articles_checked_at"] = now
        stamp = _folder_stamp(self.settings.faq.articles_dir)
        with self._lock:
            if stamp is not None and "matcher" in self._lazy \
                    and self._lazy.get("matcher_stamp") not in (None, stamp):
                del self._lazy["matcher"]
            if stamp is not None:
                self._lazy["matcher_stamp"] = stamp

    def _build_matcher(self) -> Matcher:
        from kb.loader import load_articles
        from kb.matcher import Matcher

        faq = self.settings.faq
        articles = load_articles(faq.articles_dir, categories=tuple(self.settings.categories))
        return Matcher(articles, min_score=faq.min_score)

    @property
    def interpreter(self) -> NluInterpreter:
        """The NLU interpreter: embedded, or a Rasa server when DESKBOT_RASA_URL is set."""

        def build() -> NluInterpreter:
            from nlu import load_interpreter

            return load_interpreter(
                config_path=self.settings.config_path, rasa_url=self.settings.rasa_url
            )

        return self._get("interpreter", build)

    def flush_delivered(self, timeout: float = 10.0) -> None:
        """Write the "delivered" marks still waiting (``DeliveredMarks``): a stopping process
        calls it once its workers are done, after the deliveries handed over (at most
        ``timeout`` seconds for those; the rest are the outbox worker's once their lease ends)."""
        background = self._lazy.get("background_delivery")
        if background is not None:
            background.wait(timeout)
        marks = self._lazy.get("delivered_marks")
        if marks is not None:
            marks.flush()

    def close(self) -> None:
        self.flush_delivered()
        self.engine.dispose()


class _InTurn:
    """A turn opened inside another: the outer one's unit of work, whose ``commit`` only
    flushes (the outer turn commits, or rolls everything back if anything raises)."""

    def __init__(self, outer: UnitOfWork) -> None:
        self._outer = outer

    def commit(self) -> None:
        self._outer.session.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._outer, name)


def _learned_overlay() -> Any:
    from actions.learning import LearnedOverlay

    return LearnedOverlay()


def _folder_stamp(root: Path) -> tuple[int, int] | None:
    """(number of articles, newest change) of a knowledge-base folder; None when unreadable.

    Every question asks, so it walks with ``os.scandir`` (no path objects): a tenth of the
    cost of ``Path.rglob`` on a folder of a few dozen articles."""
    count, newest = 0, 0
    folders = [str(root)]
    try:
        while folders:
            with os.scandir(folders.pop()) as entries:
                for entry in entries:
                    if entry.is_dir():
                        folders.append(entry.path)
                    elif entry.name.endswith(".md"):
                        count += 1
                        newest = max(newest, entry.stat().st_mtime_ns)
    except OSError:
        return None
    return count, newest


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
