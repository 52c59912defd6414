"""``manage.py inbound_worker``: apply the inbound events webhooks have committed (channels/pipeline.py).

Run one or more next to the web processes (any number: they share the queue with SKIP LOCKED).
On PostgreSQL it LISTENs for the NOTIFY each committed event sends and drains at once; it also
drains every ``CURHAT_INBOUND_IDLE_SECONDS`` whatever it heard (the backstop, and the moment a
delayed retry falls due). SIGTERM/SIGINT: the current batch is finished, then it exits. A kill -9
loses nothing: the batch's transaction dies with the connection and another worker takes it.

It reports through logging (JSON lines in production, like web and Celery): each event is applied
under the request id of the webhook that stored it, so its log lines and the tasks it enqueues carry
that id. ``--once`` also prints its summary.
"""

from __future__ import annotations

import logging
import signal
import time
from pathlib import Path

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections, connection

from channels.pipeline import DrainResult, queue_backlog, queue_drain

logger = logging.getLogger("channels.inbound_worker")

CHANNEL = "curhat_inbound"
# libpq connection parameters Django passes that a plain LISTEN connection needs.
CONNINFO_KEYS = ("dbname", "user", "password", "host", "port", "sslmode", "sslrootcert", "sslcert", "sslkey",
                 "options", "application_name", "service", "passfile", "connect_timeout")  # fmt: skip


class Command(BaseCommand):
    help = "Proses kejadian masuk (webhook) yang menunggu di antrean basis data; berjalan terus."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="kosongkan antrean sekali, lalu berhenti")
        parser.add_argument("--batch-size", type=int, default=None)
        parser.add_argument("--idle", type=float, default=None, help="detik antara pengurasan cadangan")
        parser.add_argument(
            "--heartbeat", default="", help="berkas yang disentuh tiap putaran (untuk health check kontainer)"
        )

    def handle(
        self, *args, once: bool, batch_size: int | None, idle: float | None, heartbeat: str, **options
    ):
        self.stopping = False
        self.heartbeat = Path(heartbeat) if heartbeat else None
        idle = settings.CURHAT_INBOUND_IDLE_SECONDS if idle is None else idle
        if once:
            result = queue_drain(batch_size=batch_size)
            self.stdout.write(self._report(result))
            return
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        logger.info("inbound_worker: mulai (batch %s, cadangan tiap %s dtk)",
                    batch_size or settings.CURHAT_INBOUND_BATCH_SIZE, f"{idle:g}")  # fmt: skip
        listener = None
        failures = 0
        while not self.stopping:
            if self.heartbeat is not None:
                self.heartbeat.touch()
            try:
                if listener is None and connection.vendor == "postgresql":
                    listener = self._listen()
                result = queue_drain(batch_size=batch_size)
                failures = 0
                if result.applied or result.retried:
                    logger.info("%s", self._report(result))
                if result.deferred and not result.applied:
                    time.sleep(0.05)  # another worker holds this sender's earlier event
                    continue
                self._wait(listener, idle)
            except (DatabaseError, psycopg.Error) as exc:
                # The database is unreachable or restarting: back off, reconnect, go on.
                failures += 1
                delay = min(30.0, 0.5 * 2 ** min(failures, 6))
                logger.warning(
                    "inbound_worker: basis data tidak tersedia (%s); coba lagi %s dtk", exc, f"{delay:g}"
                )
                close_old_connections()
                connection.close()
                if listener is not None:
                    listener.close()
                    listener = None
                self._sleep(delay)
        if listener is not None:
            listener.close()
        logger.info("inbound_worker: berhenti")

    # --- helpers -----------------------------------------------------------------------------------
    def _stop(self, signum, frame) -> None:
        self.stopping = True

    def _sleep(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < end:
            time.sleep(min(0.2, end - time.monotonic()))

    def _listen(self) -> psycopg.Connection:
        params = connection.get_connection_params()
        conninfo = {key: params[key] for key in CONNINFO_KEYS if params.get(key) not in (None, "")}
        listener = psycopg.connect(**conninfo, autocommit=True)
        listener.execute(f"LISTEN {CHANNEL}")
        return listener

    def _wait(self, listener: psycopg.Connection | None, idle: float) -> None:
        """Until a NOTIFY arrives, ``idle`` seconds pass, or a stop is asked for (checked every second)."""
        end = time.monotonic() + idle
        while not self.stopping:
            left = end - time.monotonic()
            if left <= 0:
                return
            if listener is None:
                time.sleep(min(1.0, left))
                continue
            # Notifications that arrived while we were draining are already queued on the socket.
            for _notify in listener.notifies(timeout=min(1.0, left), stop_after=1):
                return

    def _report(self, result: DrainResult) -> str:
        backlog = queue_backlog()
        return (
            f"inbound_worker: diterapkan {result.applied}, dicoba lagi {result.retried}, "
            f"menunggu {backlog['pending']} (tertua {backlog['oldest_age_seconds']:.1f} dtk)"
        )
