"""Reading a mailbox over IMAP: for desks whose mail lives in Microsoft 365, Gmail or any server
that gives the desk a mailbox instead of an MX record.

``DESKBOT_IMAP_URL=imaps://user@host[:port]/INBOX`` (``imap://`` without TLS, for loopback
tests), the password in ``DESKBOT_IMAP_PASSWORD``. Unseen messages are fetched without marking
them (``BODY.PEEK[]``), handed to the same intake as SMTP, and only once the intake returned
(its transaction committed) flagged ``\\Seen`` or, with ``DESKBOT_IMAP_PROCESSED=Folder``, moved
there. A crash in between leaves the message unseen, so the next pass takes it again, and the
Message-ID de-duplication makes that second pass a no-op. A message that fails for an
unexpected reason (the database is down) is left for the next pass too.

The certificate is verified against the system's authorities (``DESKBOT_IMAP_CAFILE`` names a
private one). Between passes the poller waits in IDLE when the server offers it (new mail
arrives at once), else it polls every ``DESKBOT_IMAP_POLL_SECONDS`` (30). Connection trouble is
retried with a growing pause; nothing a mailbox contains can stop the poller.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import os
import select
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from bot.email.inbound import EmailIntake, Refused
from bot.email.server import MAX_BYTES

log = logging.getLogger(__name__)

IDLE_SECONDS = 300.0  # servers drop IDLE after 30 min; re-issue it well before


@dataclass(frozen=True)
class ImapConfig:
    host: str
    port: int
    user: str
    password: str
    mailbox: str = "INBOX"
    tls: bool = True
    processed: str | None = None  # folder to move processed mail to; None: flag it \Seen
    poll_seconds: float = 30.0
    timeout: float = 60.0
    cafile: str | None = None  # a private CA for the server's certificate (else the system's)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ImapConfig | None:
        """None when ``DESKBOT_IMAP_URL`` is unset; ValueError when it is unusable."""
        env = os.environ if env is None else env
        url = (env.get("DESKBOT_IMAP_URL") or "").strip()
        if not url:
            return None
        parts = urlsplit(url)
        if parts.scheme not in ("imap", "imaps") or not parts.hostname or not parts.username:
            raise ValueError("DESKBOT_IMAP_URL must look like imaps://user@host/INBOX")
        password = env.get("DESKBOT_IMAP_PASSWORD") or (unquote(parts.password)
                                                        if parts.password else "")
        if not password:
            raise ValueError("DESKBOT_IMAP_PASSWORD is not set")
        tls = parts.scheme == "imaps"
        return cls(host=parts.hostname, port=parts.port or (993 if tls else 143),
                   user=unquote(parts.username), password=password,
                   mailbox=unquote(parts.path.lstrip("/")) or "INBOX", tls=tls,
                   processed=(env.get("DESKBOT_IMAP_PROCESSED") or "").strip() or None,
                   poll_seconds=float(env.get("DESKBOT_IMAP_POLL_SECONDS") or 30),
                   cafile=(env.get("DESKBOT_IMAP_CAFILE") or "").strip() or None)


class ImapPoller:
    """Takes the mailbox's unseen mail to the intake, in a background thread."""

    def __init__(self, config: ImapConfig, intake: EmailIntake, *,
                 max_bytes: int = MAX_BYTES) -> None:
        self.config = config
        self.intake = intake
        self.max_bytes = max_bytes
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.passes = 0  # completed passes over the mailbox (tests and logs)

    def start(self) -> ImapPoller:
        self._thread = threading.Thread(target=self._run, name="deskbot-imap", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(15)

    def _run(self) -> None:
        pause = 1.0
        while not self._stop.is_set():
            try:
                conn = self.connect()
                pause = 1.0
                try:
                    while not self._stop.is_set():
                        self.sweep(conn)
                        self._wait(conn)
                finally:
                    with contextlib.suppress(Exception):  # the connection may be gone already
                        conn.logout()
            except Exception as exc:  # noqa: BLE001 - logged, retried after a pause
                log.warning("IMAP %s@%s: %s: %s; retrying in %.0f s", self.config.user,
                            self.config.host, type(exc).__name__, exc, pause)
                self._stop.wait(pause)
                pause = min(pause * 2, 60.0)

    def connect(self) -> imaplib.IMAP4:
        cfg = self.config
        conn: imaplib.IMAP4
        if cfg.tls:
            context = ssl.create_default_context(cafile=cfg.cafile)  # verifies host and cert
            conn = imaplib.IMAP4_SSL(cfg.host, cfg.port, ssl_context=context, timeout=cfg.timeout)
        else:
            conn = imaplib.IMAP4(cfg.host, cfg.port, timeout=cfg.timeout)
        conn.login(cfg.user, cfg.password)
        conn.capability()  # the capabilities after login (MOVE, IDLE) may differ from before
        typ, _ = conn.select(_quote(cfg.mailbox))
        if typ != "OK":
            raise RuntimeError(f"cannot open mailbox {cfg.mailbox!r}")
        log.info("IMAP: reading %s@%s/%s", cfg.user, cfg.host, cfg.mailbox)
        return conn

    def sweep(self, conn: imaplib.IMAP4) -> int:
        """One pass: every unseen message to the intake. Returns how many were taken."""
        typ, data = conn.uid("SEARCH", "UNSEEN")
        if typ != "OK":
            raise RuntimeError("IMAP SEARCH failed")
        taken = 0
        for uid in (data[0] or b"").split():
            if self._stop.is_set():
                break
            if self._take(conn, uid.decode()):
                taken += 1
        self.passes += 1
        return taken

    def _take(self, conn: imaplib.IMAP4, uid: str) -> bool:
        typ, data = conn.uid("FETCH", uid, "(RFC822.SIZE)")
        size = _size(data)
        if size > self.max_bytes:
            log.warning("IMAP message %s refused: %s bytes (limit %s)", uid, size, self.max_bytes)
            self._done(conn, uid)
            return True
        typ, data = conn.uid("FETCH", uid, "(BODY.PEEK[])")
        raw = next((part[1] for part in data if isinstance(part, tuple)), None)
        if typ != "OK" or not isinstance(raw, bytes):
            return False
        try:
            outcome = self.intake.receive(raw)
            log.info("IMAP message %s: %s %s", uid, outcome.action, outcome.key or "")
        except Refused as exc:
            log.info("IMAP message %s refused: %s", uid, exc.smtp)
        except Exception:  # noqa: BLE001 - left unseen: the next pass tries again
            log.exception("IMAP message %s failed; it stays in the mailbox for the next pass",
                          uid)
            return False
        self._done(conn, uid)  # only now: the intake's transaction has committed
        return True

    def _done(self, conn: imaplib.IMAP4, uid: str) -> None:
        folder = self.config.processed
        if folder is None:
            conn.uid("STORE", uid, "+FLAGS.SILENT", r"(\Seen)")
        elif "MOVE" in conn.capabilities:
            conn.uid("MOVE", uid, _quote(folder))
        else:
            conn.uid("COPY", uid, _quote(folder))
            conn.uid("STORE", uid, "+FLAGS.SILENT", r"(\Seen \Deleted)")
            conn.expunge()

    def _wait(self, conn: imaplib.IMAP4) -> None:
        """Until new mail may be there: IDLE when offered, else the poll interval."""
        if "IDLE" not in conn.capabilities:
            self._stop.wait(self.config.poll_seconds)
            return
        idle(conn, self._stop, min(IDLE_SECONDS, max(self.config.poll_seconds, 1.0) * 10))


def idle(conn: imaplib.IMAP4, stop: threading.Event, seconds: float) -> bool:
    """RFC 2177 IDLE until the server reports a change, ``stop`` is set, or ``seconds`` pass.

    imaplib has no IDLE before Python 3.14, so the command is written by hand: ``tag IDLE``,
    the server's ``+`` continuation, then untagged updates until ``DONE``.
    """
    tag = getattr(conn, "_new_tag")().decode()  # noqa: B009 - imaplib's own tag counter
    conn.send(f"{tag} IDLE\r\n".encode())
    if not conn.readline().startswith(b"+"):
        raise RuntimeError("server refused IDLE")
    sock = conn.socket()
    changed = False
    waited = 0.0
    while not stop.is_set() and waited < seconds and not changed:
        pending = isinstance(sock, ssl.SSLSocket) and sock.pending() > 0
        ready = pending or bool(select.select([sock], [], [], 1.0)[0])
        waited += 1.0
        if ready:
            line = conn.readline()
            if not line:
                raise ConnectionError("IMAP server closed the connection")
            changed = line.startswith(b"* ") and (b"EXISTS" in line or b"RECENT" in line)
    conn.send(b"DONE\r\n")
    while True:
        line = conn.readline()
        if not line:
            raise ConnectionError("IMAP server closed the connection")
        if line.startswith(tag.encode()):
            return changed


def _size(data: list[object]) -> int:
    for part in data:
        text = part[0] if isinstance(part, tuple) else part
        if isinstance(text, bytes) and b"RFC822.SIZE" in text:
            try:
                return int(text.split(b"RFC822.SIZE", 1)[1].split()[0].strip(b")"))
            except (IndexError, ValueError):
                return 0
    return 0


def _quote(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'
