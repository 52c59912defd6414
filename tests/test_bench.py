"""The benchmarks still run: each is started as its own process on a small load of its own
database (PostgreSQL), as `bench/README.md` runs them on a million tickets. Figures are printed, not
judged here; a script that no longer runs, or a case that no longer answers 200, fails."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.postgres


def _run(script: str, *args: str) -> str:
    base = urlparse(os.environ["DATABASE_URL"])
    database = base._replace(path=f"/curhat_bench_smoke_{uuid.uuid4().hex[:8]}").geturl()
    env = {**os.environ, "BENCH_DATABASE_URL": database}
    if os.environ.get("REDIS_URL"):
        env["BENCH_REDIS_URL"] = os.environ["REDIS_URL"]
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), "--tickets", "3000", "--runs", "2", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "database dropped" in done.stdout
    return done.stdout


def test_inbox_benchmark_times_every_case():
    out = _run("inbox.py")
    for case in (
        "default view",
        "filter channel=email",
        "search name",
        "search phone",
        "search text",
        "page 200",
        "ticket page, 50 messages",
    ):
        assert case in out, out
    assert "worst p95" in out


def test_api_benchmark_times_every_case():
    out = _run("api.py")
    for case in ("default page", "filter channel=email", "search 'rahmawati'", "(cursor)"):
        assert case in out, out
    assert "worst p95" in out
