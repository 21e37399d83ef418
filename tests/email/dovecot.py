"""A real Dovecot IMAP server on a free loopback port, for the IMAP tests.

Its whole configuration lives in a temporary folder: plaintext login allowed (loopback only), one
user in a passwd-file, maildirs owned by an unprivileged user (``nobody`` when the tests run as
root, else the current user). Installed by ``.ci/dovecot``; a missing binary fails the tests.
"""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

USER, PASSWORD = "soporte", "s3cret-imap"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Dovecot:
    root: Path
    port: int
    tls_port: int

    @property
    def url(self) -> str:
        return f"imap://{USER}@127.0.0.1:{self.port}/INBOX"

    @property
    def tls_url(self) -> str:
        return f"imaps://{USER}@127.0.0.1:{self.tls_port}/INBOX"

    @property
    def cafile(self) -> str:
        return str(self.root / "cert.pem")

    def client(self) -> imaplib.IMAP4:
        conn = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        conn.login(USER, PASSWORD)
        return conn

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        conn = self.client()
        try:
            conn.append(folder, None, None, raw)
        finally:
            conn.logout()

    def count(self, criterion: str = "ALL", folder: str = "INBOX") -> int:
        conn = self.client()
        try:
            conn.select(folder)
            typ, data = conn.uid("SEARCH", criterion)
            return len((data[0] or b"").split())
        finally:
            conn.logout()

    def stop(self) -> None:
        pid_file = self.root / "run" / "master.pid"
        if pid_file.exists():
            pid = int(pid_file.read_text().strip())
            os.kill(pid, signal.SIGTERM)
            for _ in range(100):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.05)
        shutil.rmtree(self.root, ignore_errors=True)


def start_dovecot() -> Dovecot:
    binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
    if not Path(binary).exists():
        raise RuntimeError("dovecot is not installed: run .ci/dovecot (make test does)")
    root = Path(tempfile.mkdtemp(prefix="deskbot-dovecot-"))
    root.chmod(0o755)
    (root / "run").mkdir()
    (root / "state").mkdir()
    home = root / "home"
    home.mkdir()
    if os.geteuid() == 0:
        owner = pwd.getpwnam("nobody")
        os.chown(home, owner.pw_uid, owner.pw_gid)
        users = ""
    else:
        owner = pwd.getpwuid(os.geteuid())
        users = (f"default_login_user = {owner.pw_name}\n"
                 f"default_internal_user = {owner.pw_name}\n")
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
    port, tls_port = _free_port(), _free_port()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(root / "key.pem"), "-out", str(root / "cert.pem")],
                   check=True, capture_output=True, timeout=60)
    (root / "dovecot.conf").write_text(f"""\
base_dir = {root}/run
state_dir = {root}/state
instance_name = deskbot-test-{port}
log_path = {root}/dovecot.log
listen = 127.0.0.1
protocols = imap
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
{users}passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={owner.pw_uid} gid={owner.pw_gid} home={home}/%u
}}
mail_location = maildir:~/Maildir
namespace inbox {{
  inbox = yes
  mailbox Procesados {{
    auto = create
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
""")
    subprocess.run([binary, "-c", str(root / "dovecot.conf")], check=True, timeout=30)
    server = Dovecot(root, port, tls_port)
    deadline = time.monotonic() + 30
    while True:
        try:
            server.client().logout()
            return server
        except OSError:
            if time.monotonic() > deadline:
                log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
                server.stop()
                raise RuntimeError(f"dovecot did not start: {log[-2000:]}") from None
            time.sleep(0.1)
