"""A private Dovecot IMAP server on 127.0.0.1 for the tests (TESTING-NOTES: "A real IMAP server")."""

from __future__ import annotations

import imaplib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

USER = "curhat@kantor.test"
PASSWORD = "sandi-imap-uji"

CONFIG = """\
protocols = imap
listen = 127.0.0.1
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
info_log_path = {base}/dovecot.log
default_login_user = dovenull
default_internal_user = dovecot
first_valid_uid = 1
shutdown_clients = yes
mail_location = maildir:~/Maildir
mail_uid = dovecot
mail_gid = dovecot
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/passwd
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={base}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
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
"""


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for our purposes.
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class DovecotServer:
    def __init__(self, *, tls: bool = False) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="curhat-dovecot-"))
        os.chmod(self.base, 0o755)  # noqa: S103 (dovecot's unprivileged users must read it)
        self.port = free_port()
        self.imaps_port = free_port() if tls else 0
        (self.base / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        (self.base / "mail").mkdir()
        shutil.chown(self.base / "mail", "dovecot", "dovecot")
        ssl_config = "ssl = no"
        if tls:
            # A self-signed certificate for 127.0.0.1: the client trusts it only through ca_file.
            self.cert = self.base / "cert.pem"
            subprocess.run(
                [
                    "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(self.base / "key.pem"), "-out", str(self.cert),
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                ],
                check=True,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
            ssl_config = f"ssl = yes\nssl_cert = <{self.cert}\nssl_key = <{self.base / 'key.pem'}"
        self.config = self.base / "dovecot.conf"
        self.config.write_text(
            CONFIG.format(base=self.base, port=self.port, imaps_port=self.imaps_port, ssl=ssl_config)
        )

    @property
    def pid_file(self) -> Path:
        return self.base / "run" / "master.pid"

    def start(self) -> DovecotServer:
        # The daemon keeps inherited pipes open: give it files, not pipes.
        with (self.base / "start.log").open("ab") as out:
            subprocess.run(
                ["/usr/sbin/dovecot", "-c", str(self.config)],
                check=True,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=out,
            )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                conn = imaplib.IMAP4("127.0.0.1", self.port, timeout=2)
                conn.login(USER, PASSWORD)
                conn.logout()
                return self
            except (OSError, imaplib.IMAP4.error):
                time.sleep(0.1)
        raise RuntimeError(f"dovecot did not start: {self.log()[-2000:]}")

    def stop(self) -> None:
        """Stop the whole server, cutting every open IMAP session (an outage)."""
        if not self.pid_file.exists():
            return
        pid = int(self.pid_file.read_text().strip())
        family = [pid, *_descendants(pid)]
        # The master stops at once; its imap processes would linger until their client speaks.
        # Cut them (they are this server's own processes, by pid) as a real outage would.
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.05)
        for member in family:
            if _alive(member):
                os.kill(member, signal.SIGKILL)
        while time.monotonic() < deadline and any(_alive(member) for member in family):
            time.sleep(0.05)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)

    def log(self) -> str:
        path = self.base / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # --- delivering mail: APPEND, as a real server receives it for our purposes ------------------

    def connect(self) -> imaplib.IMAP4:
        conn = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        conn.login(USER, PASSWORD)
        return conn

    def append(self, raw: bytes, folder: str = "INBOX", flags: str | None = None) -> None:
        conn = self.connect()
        try:
            if folder != "INBOX":
                conn.create(f'"{folder}"')  # NO if it exists: fine
            typ, data = conn.append(f'"{folder}"', flags, None, raw)
            assert typ == "OK", data
        finally:
            conn.logout()

    def flags(self, folder: str = "INBOX") -> dict[int, bytes]:
        conn = self.connect()
        try:
            conn.select(f'"{folder}"', readonly=True)
            _typ, data = conn.uid("FETCH", "1:*", "(UID FLAGS)")
            result = {}
            for line in data:
                if isinstance(line, bytes) and b"UID" in line:
                    uid = int(line.split(b"UID ")[1].split()[0].rstrip(b")"))
                    result[uid] = line
            return result
        finally:
            conn.logout()

    def uidvalidity(self, folder: str = "INBOX") -> int:
        conn = self.connect()
        try:
            _typ, data = conn.status(f'"{folder}"', "(UIDVALIDITY)")
            return int(data[0].split(b"UIDVALIDITY ")[1].rstrip(b")"))
        finally:
            conn.logout()
