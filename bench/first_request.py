"""The first request a new gunicorn worker serves, with and without the warm-up of gunicorn.conf.py.

    .venv/bin/python bench/first_request.py [--cycles 5] [--warm-requests 20]

Builds a throwaway embedded-default site (SQLite, migrate, seed_office, seed_demo) in a temporary
folder, signs an operator in (a session in the database), then runs gunicorn twice on a free loopback
port with one worker: once with ``-c /dev/null`` (no hook: as before) and once with
``-c gunicorn.conf.py`` (``post_worker_init`` warms the worker). Each run, ``--cycles`` times: stop
the worker (the master starts a new one), wait until it is up, time its first GET of the inbox, then
``--warm-requests`` more. Prints the first-request times and the warm median/p95 of each run.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
GUNICORN = str(Path(PY).with_name("gunicorn"))
PATH = "/inbox/"


def _env(data_dir: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        CURHAT_DATA_DIR=data_dir,
        DJANGO_DEBUG="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    return env


SESSION = """
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "curhat.settings")
django.setup()
from django.contrib.auth import get_user_model
from django.test import Client
user = get_user_model().objects.filter(groups__name="operator", is_active=True).first()
client = Client()
client.force_login(user)
print(client.cookies["sessionid"].value)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, cookie: str) -> float:
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", PATH, headers={"Cookie": f"sessionid={cookie}", "Host": "127.0.0.1"})
    response = conn.getresponse()
    response.read()
    conn.close()
    elapsed = (time.perf_counter() - started) * 1000
    if response.status != 200:
        raise SystemExit(f"GET {PATH}: HTTP {response.status}")
    return elapsed


def _workers(master: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True)
    return [int(pid) for pid in out.stdout.split()]


def _wait_booted(log: Path, seen: int, pattern: str, timeout: float = 60) -> int:
    """Wait for the ``seen``+1-th line matching ``pattern`` in gunicorn's log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = re.findall(pattern, log.read_text(errors="replace"))
        if len(lines) > seen:
            return len(lines)
        time.sleep(0.05)
    raise SystemExit(f"no worker came up: {log.read_text()[-2000:]}")


def run(config: str, *, env: dict[str, str], cookie: str, cycles: int, warm_requests: int, warmed: bool):
    port = _free_port()
    log = Path(tempfile.mkstemp(suffix=".log")[1])
    command = [GUNICORN, "-c", config, "curhat.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", "1", "--error-logfile", str(log), "--log-level", "info"]
    master = subprocess.Popen(command, cwd=ROOT, env=env)
    # Up = the worker has loaded the application (and, with the hook, warmed itself).
    pattern = r"worker \d+ warm" if warmed else r"Booting worker"
    first: list[float] = []
    warm: list[float] = []
    try:
        seen = _wait_booted(log, 0, pattern)
        time.sleep(1.5 if not warmed else 0.2)  # without the hook: give the app import time to finish
        for _ in range(cycles):
            for pid in _workers(master.pid):
                os.kill(pid, signal.SIGTERM)
            seen = _wait_booted(log, seen, pattern)
            time.sleep(1.5 if not warmed else 0.2)
            first.append(_get(port, cookie))
            warm.extend(_get(port, cookie) for _ in range(warm_requests))
    finally:
        master.send_signal(signal.SIGTERM)
        master.wait(timeout=30)
        log.unlink(missing_ok=True)
    return first, warm


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cycles", type=int, default=5)
    parser.add_argument("--warm-requests", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        env = _env(data_dir)
        for step in (["migrate", "-v0"], ["seed_office"], ["seed_demo", "--if-empty"]):
            subprocess.run([PY, "manage.py", *step], cwd=ROOT, env=env, check=True, capture_output=True)
        cookie = subprocess.run(
            [PY, "-c", SESSION], cwd=ROOT, env=env, check=True, capture_output=True, text=True
        ).stdout.split()[-1]
        for label, config, warmed in (
            ("no warm-up (-c /dev/null)", "/dev/null", False),
            ("warm-up (-c gunicorn.conf.py)", str(ROOT / "gunicorn.conf.py"), True),
        ):
            first, warm = run(
                config,
                env=env,
                cookie=cookie,
                cycles=args.cycles,
                warm_requests=args.warm_requests,
                warmed=warmed,
            )
            warm.sort()
            p95 = warm[int(len(warm) * 0.95) - 1]
            print(
                f"{label:32} first request (ms): {', '.join(f'{t:.0f}' for t in first)}"
                f" | warm median {statistics.median(warm):.1f} ms, p95 {p95:.1f} ms"
            )


if __name__ == "__main__":
    main()
