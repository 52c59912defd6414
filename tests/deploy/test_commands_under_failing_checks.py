"""The commands an operator is sent to while a system check fails must run (outside test of issue 18):
``nik_rehash`` stopped at the very E014 that names it (only ``call_command``, which skips checks, had
been tested), and one audit row with a wrong hash made every later ``migrate`` fail on tickets.E020, so
in compose no service started until the evidence was removed. Both run here as the operator runs them:
``manage.py`` in a process of its own, on a database of its own."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest

from tests.support import ROOT

pytestmark = pytest.mark.timeout(240)


def _env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL", "CURHAT_"))}
    env.update(CURHAT_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="curhat.settings", PYTHONPATH=str(ROOT))
    return env


def _manage(tmp_path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=tmp_path,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=200,
    )


def test_nik_rehash_runs_while_the_check_that_names_it_fails(tmp_path):
    assert _manage(tmp_path, "migrate", "-v0").returncode == 0
    # The stored hashes were made with SECRET_KEY (a release before CURHAT_NIK_HASH_KEY).
    record = (
        "from django.conf import settings; from tickets.models import NikHashKeyRecord; "
        "from tickets.privacy.nik import key_fingerprint; "
        "NikHashKeyRecord.objects.update_or_create(pk=1, defaults={'fingerprint': key_fingerprint(settings.SECRET_KEY)})"
    )
    assert _manage(tmp_path, "shell", "-c", record).returncode == 0
    check = _manage(tmp_path, "check")
    assert check.returncode != 0 and "tickets.E014" in check.stderr
    rehash = _manage(tmp_path, "nik_rehash", "--old-key-is-secret-key")
    assert rehash.returncode == 0, rehash.stderr
    assert _manage(tmp_path, "check").returncode == 0


def test_a_broken_audit_chain_warns_but_does_not_stop_migrate(tmp_path):
    assert _manage(tmp_path, "migrate", "-v0").returncode == 0
    write = "from tickets.privacy.audit import audit_record; audit_record(action='ticket_view', actor=None)"
    assert _manage(tmp_path, "shell", "-c", write).returncode == 0
    with sqlite3.connect(tmp_path / "curhat.sqlite3") as db:  # the app role's forged row, in effect
        db.execute(
            "UPDATE tickets_auditevent SET hash = '0' WHERE id = (SELECT max(id) FROM tickets_auditevent)"
        )
    migrate = _manage(tmp_path, "migrate", "-v1")
    assert migrate.returncode == 0, migrate.stderr
    assert "tickets.W020" in migrate.stderr + migrate.stdout
    verify = _manage(tmp_path, "audit_verify")
    assert verify.returncode == 1
