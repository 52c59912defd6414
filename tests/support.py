"""Helpers for tests: WITA datetimes, polling, child processes and a real Celery worker process."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
WITA = ZoneInfo("Asia/Makassar")


def at_wita(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, microsecond: int = 0
) -> dt.datetime:
    """An aware datetime in Parepare's time zone: ``at_wita(2021, 3, 31, 23, 30)``."""
    return dt.datetime(year, month, day, hour, minute, second, microsecond, tzinfo=WITA)


def _database_url() -> str:
    s = connection.settings_dict
    user = s.get("USER") or "postgres"
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{host}:{port}/{s['NAME']}"


class ChildProcess:
    """A child process in its own session (killed with its children), output to a log file."""

    name = "process"

    def __init__(self, argv: list[str], env: dict[str, str], ready: bytes | None = None) -> None:
        self.argv, self.env, self.ready = argv, env, ready
        self.log_path = ROOT / "test-artifacts" / f"{self.name}-{os.getpid()}-{time.monotonic_ns()}.log"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> ChildProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            self.argv,
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while self.ready is not None and time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log()[-3000:]}")
            if self.ready in self.log_path.read_bytes():
                return self
            time.sleep(0.1)
        if self.ready is not None:
            raise RuntimeError(f"{self.name} did not start: {self.log()[-3000:]}")
        return self

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)

    def stop(self) -> None:
        self.kill(signal.SIGTERM)
        if getattr(self, "_log", None):
            self._log.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


class WorkerProcess(ChildProcess):
    """A real ``celery worker`` process on the test database and the test Redis."""

    name = "worker"

    def __init__(self, concurrency: int = 2, queues: str = "celery", extra_env: dict | None = None):
        argv = [sys.executable, "-m", "celery", "-A", "curhat", "worker", "--loglevel=INFO",
                f"--concurrency={concurrency}", "-Q", queues, "--without-gossip", "--without-mingle",
                "--without-heartbeat", "-n", f"test{time.monotonic_ns()}@%h"]  # fmt: skip
        super().__init__(argv, {}, ready=b"ready.")
        self.extra_env = extra_env or {}

    def start(self, timeout: float = 60) -> WorkerProcess:
        # The environment is read when the worker starts: the test's database and upload folder.
        self.env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "DB_CONN_MAX_AGE": "0",
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "CURHAT_UPLOAD_ROOT": str(settings.MEDIA_ROOT),
            **self.extra_env,
        }
        super().start(timeout)
        return self


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.1, message: str = "condition"):
    """Poll ``predicate`` until it returns a truthy value; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")


def set_eager(flag: bool) -> None:
    """Run Celery tasks in-process (True) or send them to the broker (False).

    Celery reads the Django-namespaced key (CELERY_TASK_ALWAYS_EAGER) before ``task_always_eager``,
    so both must be set or the change silently does nothing on the PostgreSQL + Redis run.
    """
    from curhat.celery import app

    app.conf.task_always_eager = flag
    app.conf["CELERY_TASK_ALWAYS_EAGER"] = flag
