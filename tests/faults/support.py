"""Real processes and real faults for the inbound fault suite: gunicorn serving the webhooks, the
inbound worker draining the queue, a TCP proxy in front of PostgreSQL that can cut the database off,
and a provider-like client that signs Meta's documented payloads, retries what was not acknowledged
(as Meta does) and keeps the books: sent / acknowledged / stored / duplicated / lost."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import selectors
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from channels.signatures import meta_signature

from ..standins.smtp import free_port
from ..support import ROOT, _database_url
from ..support import ChildProcess as Process

SECRET = "rahasia-aplikasi-uji"
SLUG = "wa-gangguan"
PHONE_NUMBER_ID = "109876543210"


def base_env(**extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CURHAT_INBOUND_PROCESSING": "queue",
        "CURHAT_WEBHOOK_RATE_PER_IP": "100000/m",
        "PYTHONDONTWRITEBYTECODE": "1",
        **extra,
    }


class Gunicorn(Process):
    name = "gunicorn"

    def __init__(self, env: dict[str, str], workers: int = 2) -> None:
        self.port = free_port()
        argv = [sys.executable, "-m", "gunicorn", "curhat.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{self.port}",
                "--access-logfile", "-", "--graceful-timeout", "5"]  # fmt: skip
        super().__init__(argv, env, ready=b"Booting worker")

    def start(self, timeout: float = 60) -> Gunicorn:
        super().start(timeout)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/sehat/")
                conn.getresponse().read()
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn does not answer: {self.log()[-3000:]}")


class InboundWorker(Process):
    name = "inbound-worker"

    def __init__(self, env: dict[str, str], batch_size: int = 20) -> None:
        argv = [sys.executable, "manage.py", "inbound_worker", "--idle", "1", "--batch-size", str(batch_size)]
        super().__init__(argv, env, ready=b"inbound_worker: mulai")


class TcpProxy:
    """127.0.0.1:<port> → PostgreSQL. ``cut()`` drops every connection and refuses new ones (the
    database is unreachable for the app); ``restore()`` accepts again."""

    def __init__(self, target_port: int = 5432) -> None:
        self.port = free_port()
        self.target = ("127.0.0.1", target_port)
        self._open = threading.Event()
        self._stop = threading.Event()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def start(self) -> TcpProxy:
        self._listen()
        self._open.set()
        self._thread.start()
        return self

    def _listen(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        listener.settimeout(0.2)
        self._listener = listener

    def _serve(self) -> None:
        while not self._stop.is_set():
            if not self._open.is_set() or self._listener is None:
                time.sleep(0.05)
                continue
            try:
                client, _addr = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pairs.append((client, upstream))
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()

    def _pipe(self, a: socket.socket, b: socket.socket) -> None:
        sel = selectors.DefaultSelector()
        a.setblocking(False)
        b.setblocking(False)
        sel.register(a, selectors.EVENT_READ, b)
        sel.register(b, selectors.EVENT_READ, a)
        try:
            while not self._stop.is_set():
                for key, _mask in sel.select(timeout=0.5):
                    data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                    if not data:
                        return
                    key.data.setblocking(True)
                    key.data.sendall(data)
                    key.data.setblocking(False)
        except OSError:
            return
        finally:
            sel.close()
            for sock in (a, b):
                with contextlib.suppress(OSError):
                    sock.close()

    def cut(self) -> None:
        self._open.clear()
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for client, upstream in pairs:
            for sock in (client, upstream):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                with contextlib.suppress(OSError):
                    sock.close()

    def restore(self) -> None:
        self._listen()
        self._open.set()

    def stop(self) -> None:
        self.cut()
        self._stop.set()

    def database_url(self) -> str:
        url = _database_url()
        return url.replace(":5432/", f":{self.port}/")


def meta_text(*, sender: str, message_id: str, text: str, name: str = "Warga Uji") -> bytes:
    """Meta's documented text-message notification (WhatsApp Cloud API webhooks, "messages" field)."""
    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "62811415227",
                                "phone_number_id": PHONE_NUMBER_ID,
                            },
                            "contacts": [{"profile": {"name": name}, "wa_id": sender}],
                            "messages": [
                                {
                                    "from": sender,
                                    "id": message_id,
                                    "timestamp": str(int(time.time())),
                                    "type": "text",
                                    "text": {"body": text},
                                }
                            ],
                        },
                        "field": "messages",
                    }
                ],
            }
        ],
    }
    return json.dumps(payload).encode()


@dataclass
class Ledger:
    """What the provider sent and what we answered, per message id."""

    sent: list[str] = field(default_factory=list)
    acknowledged: set[str] = field(default_factory=set)
    refused: int = 0  # non-200 answers or broken connections (each retried, as the provider does)
    statuses: dict[int, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def report(self, stored_ids: list[str]) -> dict[str, int]:
        stored = set(stored_ids)
        return {
            "sent": len(self.sent),
            "acknowledged": len(self.acknowledged),
            "refused_attempts": self.refused,
            "stored": len(stored & set(self.sent)),
            "duplicated": len(stored_ids) - len(stored),
            "lost": len(self.acknowledged - stored),
        }


class Provider:
    """Posts signed webhooks like Meta: one request per message, retried until a 200 (bounded)."""

    def __init__(
        self, port: int, ledger: Ledger, retry_delay: float = 0.5, give_up_after: float = 120
    ) -> None:
        self.port, self.ledger = port, ledger
        self.retry_delay, self.give_up_after = retry_delay, give_up_after

    def deliver(self, sender: str, message_id: str, text: str) -> bool:
        body = meta_text(sender=sender, message_id=message_id, text=text)
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": meta_signature(body, SECRET)}
        with self.ledger.lock:
            self.ledger.sent.append(message_id)
        deadline = time.monotonic() + self.give_up_after
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                conn.request("POST", f"/webhooks/meta_whatsapp/{SLUG}/", body=body, headers=headers)
                status = conn.getresponse().status
                conn.close()
            except OSError:
                status = 0
            with self.ledger.lock:
                self.ledger.statuses[status] = self.ledger.statuses.get(status, 0) + 1
                if status == 200:
                    self.ledger.acknowledged.add(message_id)
                    return True
                self.ledger.refused += 1
            time.sleep(self.retry_delay)
        return False


def traffic(provider: Provider, *, senders: list[str], per_sender: int, threads: int, pace: float = 0.0,
            stop: threading.Event | None = None, prefix: str = "wamid.f") -> list[threading.Thread]:  # fmt: skip
    """Start ``threads`` client threads sending ``per_sender`` messages for each sender, round-robin."""
    jobs = [(sender, n) for n in range(per_sender) for sender in senders]
    chunks = [jobs[i::threads] for i in range(threads)]

    def run(chunk):
        for sender, n in chunk:
            if stop is not None and stop.is_set():
                return
            provider.deliver(sender, f"{prefix}.{sender}.{n}", f"Pesan {n} dari {sender}")
            if pace:
                time.sleep(pace)

    started = [threading.Thread(target=run, args=(chunk,), daemon=True) for chunk in chunks]
    for thread in started:
        thread.start()
    return started


def artifacts(name: str) -> Path:
    path = ROOT / "test-artifacts" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    return path
