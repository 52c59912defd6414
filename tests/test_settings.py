"""Settings come from the environment: the embedded default, the full stack, and production."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from .support import ROOT

PRINT_SETTINGS = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "from curhat.celery import app; "
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], 'db': str(s.DATABASES['default']['NAME']), "
    "'eager': app.conf.task_always_eager, 'broker': app.conf.broker_url, 'cache': s.CACHES['default']['BACKEND'], "
    "'sandbox': s.CURHAT_SANDBOX, 'tz': s.TIME_ZONE, 'lang': s.LANGUAGE_CODE, 'langs': [c for c, _ in s.LANGUAGES], "
    "'debug': s.DEBUG}))"
)


def _clean_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_URL", "REDIS_URL", "CURHAT_", "DJANGO_", "CELERY_"))
    }
    env["DJANGO_SETTINGS_MODULE"] = "curhat.settings"
    env.update(extra)
    return env


def _settings_with(tmp_path, **extra: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=ROOT,
        env=_clean_env(CURHAT_DATA_DIR=str(tmp_path), **extra),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_embedded_default_with_nothing_set(tmp_path):
    s = _settings_with(tmp_path)
    assert s["engine"] == "django.db.backends.sqlite3"
    assert s["db"].startswith(str(tmp_path))
    assert s["eager"] is True and s["broker"] == "memory://"
    assert s["cache"].endswith("LocMemCache")
    assert s["sandbox"] is True
    assert s["tz"] == "Asia/Makassar"
    assert s["lang"] == "id" and s["langs"] == ["id", "en"]
    assert s["debug"] is True


def test_database_and_redis_urls_switch_to_the_full_stack(tmp_path):
    s = _settings_with(
        tmp_path, DATABASE_URL="postgres://u:p@db.example:5432/curhat", REDIS_URL="redis://r:6379/2"
    )
    assert s["engine"] == "django.db.backends.postgresql"
    assert s["db"] == "curhat"
    assert s["eager"] is False and s["broker"] == "redis://r:6379/2"
    assert s["cache"].endswith("RedisCache")


PRODUCTION_ENV = {
    "CURHAT_PRODUCTION": "1",
    "DJANGO_SECRET_KEY": "k" * 20 + "Zq8!x@v#2Lm$9Pw%4Rt^6Yu&1Io*3Ea(5Sd)7Fg_0Hj",
    "DJANGO_ALLOWED_HOSTS": "curhat.example.go.id",
}


def test_production_passes_check_deploy_without_warnings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_clean_env(CURHAT_DATA_DIR=str(tmp_path), **PRODUCTION_ENV),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_sandbox_is_off_and_debug_off(tmp_path):
    s = _settings_with(tmp_path, **PRODUCTION_ENV)
    assert s["sandbox"] is False and s["debug"] is False


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=ROOT,
        env=_clean_env(CURHAT_DATA_DIR=str(tmp_path), CURHAT_PRODUCTION="1"),
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_secret_from_file(tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text("file-secret-value-" + "x" * 40 + "\n")
    code = "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_clean_env(CURHAT_DATA_DIR=str(tmp_path), DJANGO_SECRET_KEY_FILE=str(secret_file)),
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip().endswith("file-secret-value-" + "x" * 40)


def test_bad_boolean_is_a_clear_error(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=ROOT,
        env=_clean_env(CURHAT_DATA_DIR=str(tmp_path), CURHAT_SANDBOX="maybe"),
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0 and "CURHAT_SANDBOX must be a boolean" in result.stderr


def test_every_variable_the_settings_read_is_documented():
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    source = "\n".join(path.read_text() for path in sorted((ROOT / "curhat" / "settings").glob("*.py")))
    read = set(re.findall(r"env(?:_bool|_int|_list|_secret)?\(\s*\"([A-Z][A-Z0-9_]+)\"", source))
    assert read, "the settings read no variables?"
    missing = sorted(read - documented)
    assert not missing, f"variables missing from .env.example: {missing}"


@pytest.mark.django_db
def test_health_endpoint(client):
    response = client.get("/sehat/")
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"
