"""The inbound SMTP server: aiosmtpd in a thread of its own, handing each message to the intake.

The SMTP conversation runs on an asyncio loop; the database work of each message runs in the
loop's thread pool, so a slow transaction never stalls other senders. Every outcome is an SMTP
reply: 250 when the desk took the message (or already had it), 552 when it is over the size
limit, 550 when it can never be taken (no sender, empty), 451 when something unexpected failed
(the sending server will retry later, and de-duplication makes the retry safe). Nothing a sender
transmits can stop the server.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from bot.email.inbound import EmailIntake, Refused, Verdict

log = logging.getLogger(__name__)

MAX_BYTES = 10 * 1024 * 1024  # a request with its screenshots; each file has its own limit


class DeskHandler:
    """aiosmtpd handler: one ``handle_DATA`` per message."""

    def __init__(self, intake: EmailIntake, *, max_bytes: int = MAX_BYTES) -> None:
        self.intake = intake
        self.max_bytes = max_bytes

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", errors="replace")
        if len(raw) > self.max_bytes:
            return f"552 5.3.4 Message too big for the help desk (limit {self.max_bytes} bytes)"
        loop = asyncio.get_running_loop()
        try:
            outcome = await loop.run_in_executor(None, self.intake.receive, raw,
                                                 envelope.mail_from)
        except Refused as exc:
            log.info("email from %s refused: %s", envelope.mail_from, exc.smtp)
            return exc.smtp
        except Exception:  # noqa: BLE001 - reported to the sender as temporary, logged here
            log.exception("email from %s failed", envelope.mail_from)
            return "451 4.3.0 Temporary failure in the help desk, please try again later"
        log.info("email from %s: %s %s", envelope.mail_from, outcome.action, outcome.key or "")
        return Verdict(outcome).smtp()


class EmailServer:
    """An SMTP listener on ``host:port`` (0: any free port) in a background thread."""

    def __init__(self, handler: Any, host: str = "127.0.0.1", port: int = 2525, *,
                 max_bytes: int = MAX_BYTES, hostname: str | None = None) -> None:
        self.handler, self.host, self.port = handler, host, port
        self.max_bytes, self.hostname = max_bytes, hostname
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    def start(self) -> EmailServer:
        self._thread = threading.Thread(target=self._run, name="deskbot-smtp", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        if self._error is not None:
            raise self._error
        return self

    def _factory(self) -> SMTP:
        return SMTP(self.handler, data_size_limit=self.max_bytes, hostname=self.hostname,
                    ident="deskbot help desk", loop=self._loop)

    def _run(self) -> None:
        loop = self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            server = loop.run_until_complete(
                loop.create_server(self._factory, host=self.host, port=self.port))
        except BaseException as exc:  # noqa: BLE001 - handed to start() in the caller's thread
            self._error = exc
            self._ready.set()
            loop.close()
            return
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            server.close()
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(server.wait_closed())
            loop.close()

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    def __enter__(self) -> EmailServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
