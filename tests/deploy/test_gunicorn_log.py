"""The web service's own log (gunicorn's access and error lines) in production is JSON like the
app's, with UTC times and, on every access line, the request id the response carried in X-Request-ID:
`grep <id>` follows a request into the web log (issue 18, outside test). Run on a real gunicorn with
the project's gunicorn.conf.py; the access line still has no query string."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from ..privacy.test_nik_exposure import _free_port
from ..support import ROOT

NIK = "7372014507900001"


def _gunicorn_log(
    tmp_path, requests: list[tuple[str, dict[str, str]]], **env_extra: str
) -> tuple[str, list[str]]:
    """Run gunicorn with gunicorn.conf.py, make ``requests`` (path, headers); return its output and the
    X-Request-ID of each response."""
    port = _free_port()
    log = tmp_path / f"gunicorn-{port}.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL", "CURHAT_"))}
    env.update(CURHAT_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="curhat.settings", PYTHONPATH=str(ROOT))
    env.update(env_extra)
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    ids: list[str] = []
    with log.open("wb") as out:
        process = subprocess.Popen(
            [gunicorn, "-c", str(ROOT / "gunicorn.conf.py"), "--access-logfile", "-", "--bind",
             f"127.0.0.1:{port}", "--workers", "1", "curhat.wsgi:application"],
            cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 30
            while not ids:
                try:
                    for path, headers in requests:
                        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
                        try:
                            with urllib.request.urlopen(request, timeout=5) as response:
                                ids.append(response.headers["X-Request-ID"])
                        except urllib.error.HTTPError as answered:  # a 404 is an answer too
                            ids.append(answered.headers["X-Request-ID"])
                except OSError:
                    ids.clear()
                    if time.monotonic() > deadline or process.poll() is not None:
                        raise
                    time.sleep(0.3)
            time.sleep(0.5)
        finally:
            process.terminate()
            process.wait(timeout=20)
    return log.read_text(), ids


@pytest.mark.timeout(120)
def test_gunicorn_logs_json_with_the_request_id_in_production_format(tmp_path):
    output, ids = _gunicorn_log(
        tmp_path,
        [
            (f"/masuk/?nik={NIK}&q={NIK}", {"X-Request-ID": "rid-gunicorn-1"}),
            ("/masuk/", {}),
            (f"/lacak/{NIK}/", {}),  # a NIK in the path: masked in the JSON lines too
        ],
        CURHAT_LOG_FORMAT="json",
    )
    assert ids[0] == "rid-gunicorn-1" and len(ids[1]) == 32 and len(ids) == 3
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    access = [line for line in lines if line["logger"] == "gunicorn.access"]
    assert [line["request_id"] for line in access] == ids, output
    first = access[0]
    assert (
        first["http"]["path"] == "/masuk/"
        and first["http"]["status"] == 200
        and first["http"]["method"] == "GET"
    )
    assert '"GET /masuk/ HTTP/1.1" 200' in first["message"]
    assert first["time"].endswith("+00:00")
    # gunicorn's own lines (start, worker boot) are JSON too, in UTC.
    errors = [line for line in lines if line["logger"] == "gunicorn.error"]
    assert any("Booting worker" in line["message"] for line in errors), output
    assert all(line["time"].endswith("+00:00") for line in errors)
    assert "[INFO] Starting gunicorn" not in output
    assert NIK not in output and "nik=" not in output and "q=" not in output


@pytest.mark.timeout(120)
def test_gunicorn_log_stays_plain_outside_production(tmp_path):
    output, _ids = _gunicorn_log(tmp_path, [("/masuk/", {})])
    assert '"GET /masuk/ HTTP/1.1" 200' in output and "[INFO] Starting gunicorn" in output
