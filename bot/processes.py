"""Several processes serving one HTTP port (``deskbot run --processes N``).

One interpreter runs one thread at a time, so one process answers about one core's worth of
Slack requests however many threads it has. The primary process binds the listening socket and
starts N-1 secondary processes of the same program on it (``--listen-fd``): the kernel hands each
connection to whichever process accepts first, and each process stores what its door receives,
leased to itself, and works it with its own inbox workers. The inbox is shared through the
database (``SKIP LOCKED``), so a row a process leaves behind (killed, or drained before it was
done) is worked by another.

The primary forwards SIGTERM/SIGINT to the secondaries and waits for their drain before it exits;
a secondary that dies is started again after a short pause; a secondary whose primary is gone
(killed) drains and exits on its own, so no process is left serving without its supervisor.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence

log = logging.getLogger("deskbot")

#: Pause before starting a secondary that died again; doubled while it keeps dying young.
RESTART_PAUSE = 1.0
MAX_RESTART_PAUSE = 30.0
#: A secondary that lived this long before dying is started again after the first pause.
LIVED_LONG = 30.0


def main_module() -> str:
    """The module this program was started as (``python -m bench.slack_app``: that one, so a
    secondary runs the same program); ``bot.cli`` when started as the ``deskbot`` script."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    name = getattr(spec, "name", None)
    if not name:
        return "bot.cli"
    return str(name).removesuffix(".__main__")


def listening_socket(host: str, port: int, backlog: int = 2048) -> socket.socket:
    """The port every process of the desk accepts on (``port`` 0: a free one). It is listening
    at once, so requests that arrive before a server accepts wait in the queue."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


class _Slot:
    """One secondary: its process, when it started, and the pause before the next start."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.restart_at: float | None = None
        self.pause = RESTART_PAUSE


class Secondaries:
    """The secondary processes of a desk: started, watched, started again, stopped."""

    def __init__(self, command: Sequence[str], count: int, fd: int, *,
                 on_death: Callable[[int], None] | None = None,
                 check_every: float = 0.2) -> None:
        self.command, self.fd = list(command), fd
        #: Told the pid of a secondary that died (its leased rows can be freed at once).
        self.on_death = on_death
        self.total = count + 1  # the primary is process 1
        self._slots = [_Slot(n + 2) for n in range(count)]
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._check_every = check_every
        self._watcher = threading.Thread(target=self._watch, name="secondaries", daemon=True)

    def start(self) -> Secondaries:
        with self._lock:
            for slot in self._slots:
                self._start(slot)
        self._watcher.start()
        return self

    def _start(self, slot: _Slot) -> None:
        # A process group of its own: a terminal's Ctrl-C reaches the primary alone, which says
        # it once to each secondary (twice would make them skip their drain).
        slot.process = subprocess.Popen(self.command, pass_fds=[self.fd],
                                        stdin=subprocess.DEVNULL, process_group=0)
        slot.started_at, slot.restart_at = time.monotonic(), None
        log.info("started process %d of %d (pid %d)", slot.number, self.total,
                 slot.process.pid)

    def _watch(self) -> None:
        while not self._stopping.wait(self._check_every):
            with self._lock:
                if self._stopping.is_set():
                    return
                died = [pid for slot in self._slots if (pid := self._check(slot)) is not None]
            for pid in died:  # outside the lock: a signal handler may be waiting for it
                if self.on_death is not None:
                    try:
                        self.on_death(pid)
                    except Exception as exc:  # noqa: BLE001 - the rows' leases run out instead
                        log.warning("after process %d ended: %s: %s", pid,
                                    type(exc).__name__, exc)

    def _check(self, slot: _Slot) -> int | None:
        """Start the slot's process again when its pause is over; the pid of a process that
        has just been found dead."""
        process = slot.process
        now = time.monotonic()
        if slot.restart_at is not None:
            if now >= slot.restart_at:
                try:
                    self._start(slot)
                except OSError as exc:  # fork refused (memory, process limit): later
                    log.warning("could not start process %d of %d again: %s", slot.number,
                                self.total, exc)
                    slot.restart_at = now + slot.pause
            return None
        if process is None or process.poll() is None:
            return None
        if now - slot.started_at >= LIVED_LONG:
            slot.pause = RESTART_PAUSE  # it had been serving: not a process that cannot start
        pause, slot.pause = slot.pause, min(MAX_RESTART_PAUSE, slot.pause * 2)
        log.warning("process %d of %d (pid %d) ended unexpectedly (exit code %s); its inbox rows "
                    "go to the other processes, starting it again in %.0f s", slot.number,
                    self.total, process.pid, process.returncode, pause)
        slot.restart_at = now + pause
        return process.pid

    def signal(self, sig: int = signal.SIGTERM) -> None:
        """Stop starting processes and pass ``sig`` on to every running one."""
        self._stopping.set()
        with self._lock:
            for slot in self._slots:
                if slot.process is not None and slot.process.poll() is None:
                    with contextlib.suppress(ProcessLookupError):
                        slot.process.send_signal(sig)

    def stop(self, timeout: float) -> None:
        """SIGTERM to each secondary (unless already sent), then wait up to ``timeout`` for
        their drain; one still running then is killed (its leased rows are worked again)."""
        if not self._stopping.is_set():
            self.signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        with self._lock:
            processes = [s.process for s in self._slots if s.process is not None]
        for process in processes:
            try:
                process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("process pid %d did not finish its drain in %.0f s: killed",
                            process.pid, timeout)
                process.kill()
                process.wait()
        self._watcher.join(timeout=2)


class PrimaryWatch:
    """In a secondary: when the primary that started it is gone (killed without a chance to stop
    its secondaries), drain and exit as on SIGTERM instead of serving on unsupervised."""

    def __init__(self, every: float = 1.0) -> None:
        self.parent = os.getppid()
        self.every = every
        self._thread = threading.Thread(target=self._watch, name="primary-watch", daemon=True)

    def start(self) -> PrimaryWatch:
        self._thread.start()
        return self

    def _watch(self) -> None:
        while os.getppid() == self.parent:
            time.sleep(self.every)
        log.warning("the primary process (pid %d) is gone: stopping", self.parent)
        os.kill(os.getpid(), signal.SIGTERM)  # the server's own handler drains, in its thread
