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
    assert s["eager"] is True and s["broker"] == "memory://localhost/"
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
    "CURHAT_NIK_HASH_KEY": "n" * 20 + "Hq7!y@w#3Kn$8Ox%5Su^2Zv&",
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
    read = set(re.findall(r"env(?:_bool|_int|_float|_list|_secret|_rate)?\(\s*\"([A-Z][A-Z0-9_]+)\"", source))
    assert read, "the settings read no variables?"
    missing = sorted(read - documented)
    assert not missing, f"variables missing from .env.example: {missing}"


@pytest.mark.django_db
def test_health_endpoint(client):
    response = client.get("/sehat/")
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"


# --- Issue 18: an empty variable means "not set" ----------------------------------------------------
DUMP_SETTINGS = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "from curhat.celery import app; "
    "d = {k: str(getattr(s, k)) for k in dir(s) if k.isupper()}; d['broker'] = app.conf.broker_url; "
    "print(json.dumps(d, sort_keys=True))"
)


def _dump(tmp_path, **extra: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", DUMP_SETTINGS],
        cwd=ROOT,
        env=_clean_env(CURHAT_DATA_DIR=str(tmp_path), **extra),
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def _documented_names() -> set[str]:
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))


@pytest.mark.parametrize("base", [{}, PRODUCTION_ENV], ids=["embedded", "production"])
def test_every_documented_variable_left_empty_is_as_if_unset(tmp_path, base):
    """A .env copied from .env.example may leave any variable empty: the settings must be exactly
    those with the variable absent (the data, static and upload folders stay put, the broker stays
    Redis/in-memory instead of amqp://guest@localhost)."""
    empty = {name: "" for name in _documented_names() - set(base) - {"CURHAT_DATA_DIR"}}
    empty.update({f"{name}_FILE": "" for name in ("DJANGO_SECRET_KEY", "EMAIL_HOST_PASSWORD")})
    assert {"DJANGO_STATIC_ROOT", "CURHAT_UPLOAD_ROOT", "CELERY_BROKER_URL", "DATABASE_URL"} <= set(empty)
    unset, blank = _dump(tmp_path, **base), _dump(tmp_path, **base, **empty)
    differing = {k: (unset[k], blank.get(k)) for k in unset if unset[k] != blank.get(k)}
    assert not differing
    # The static root is the image's collectstatic folder (the app's staticfiles/), never the data
    # folder, which has no manifest (an old .env's "DJANGO_STATIC_ROOT=" made every page a 500).
    assert blank["STATIC_ROOT"] == str(ROOT / "staticfiles") and blank["MEDIA_ROOT"].startswith(str(tmp_path))
    assert blank["broker"].startswith("memory://")


def test_env_helpers_treat_empty_as_unset(monkeypatch, tmp_path):
    from curhat import env as e

    for name in ("X_STR", "X_BOOL", "X_INT", "X_FLOAT", "X_LIST", "X_SECRET", "X_SECRET_FILE", "X_RATE"):
        monkeypatch.setenv(name, "")
    assert e.env("X_STR", "d") == "d"
    assert e.env_bool("X_BOOL", True) is True
    assert e.env_int("X_INT", 7) == 7
    assert e.env_float("X_FLOAT", 0.5) == 0.5
    assert e.env_list("X_LIST", "a,b") == ["a", "b"]
    assert e.env_secret("X_SECRET", "s") == "s"
    assert e.env_rate("X_RATE", "5/m") == "5/m"
    monkeypatch.setenv("X_STR", "   ")
    assert e.env("X_STR", "d") == "d"
    monkeypatch.setenv("X_RATE", "off")
    assert e.env_rate("X_RATE", "5/m") == ""


def test_embedded_default_does_not_warn_about_the_broker_hostname(tmp_path):
    """kombu logged "No hostname was supplied" for memory:// on every start of the embedded default."""
    code = (
        "import django; django.setup(); from curhat.celery import app; "
        "conn = app.connection_for_write(); conn.info(); print('ok')"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_clean_env(CURHAT_DATA_DIR=str(tmp_path)),
        capture_output=True,
        text=True,
        check=True,
    )
    assert "No hostname was supplied" not in out.stdout + out.stderr


@pytest.mark.parametrize("base", [{}, PRODUCTION_ENV], ids=["embedded", "production"])
def test_path_variables_left_empty_take_their_defaults(tmp_path, base):
    """Issue 18: "DJANGO_STATIC_ROOT=" in an old .env put the static root in the data folder (no
    manifest there: every production page a 500). Empty is unset for every folder variable."""
    s = _dump(tmp_path, **base, DJANGO_STATIC_ROOT="", CURHAT_UPLOAD_ROOT="")
    assert s["STATIC_ROOT"] == str(ROOT / "staticfiles")
    assert s["MEDIA_ROOT"] == str(tmp_path / "uploads")
    assert s["DATA_DIR"] == str(tmp_path)
    given = _dump(
        tmp_path, **base, DJANGO_STATIC_ROOT=str(tmp_path / "st"), CURHAT_UPLOAD_ROOT=str(tmp_path / "up")
    )
    assert (given["STATIC_ROOT"], given["MEDIA_ROOT"]) == (str(tmp_path / "st"), str(tmp_path / "up"))


def _check_deploy(tmp_path, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=_clean_env(CURHAT_DATA_DIR=str(tmp_path), **PRODUCTION_ENV, **extra),
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8000", "https://127.0.0.1", "https://localhost:8443", "http://curhat.example.go.id"],
)
def test_production_refuses_a_public_base_url_that_is_not_public_https(tmp_path, url):
    result = _check_deploy(tmp_path, CURHAT_PUBLIC_BASE_URL=url)
    assert result.returncode != 0
    assert "channels.E003" in result.stderr + result.stdout


def test_production_public_base_url_defaults_to_the_allowed_host(tmp_path):
    s = _dump(tmp_path, **PRODUCTION_ENV, CURHAT_PUBLIC_BASE_URL="")
    assert s["PUBLIC_BASE_URL"] == "https://curhat.example.go.id"
    assert _check_deploy(tmp_path, CURHAT_PUBLIC_BASE_URL="https://curhat.example.go.id/").returncode == 0


def test_env_example_sets_no_public_base_url():
    assert not re.search(r"^CURHAT_PUBLIC_BASE_URL=", (ROOT / ".env.example").read_text(), re.M)


def test_database_password_given_apart_from_the_url(tmp_path):
    """Issue 18: a password with @ : / # % broke compose's DATABASE_URL; compose now passes it as
    DATABASE_PASSWORD (and DATABASE_OWNER_PASSWORD), outside the URL."""
    code = (
        "import django; django.setup(); from django.conf import settings as s; import json; "
        "from curhat.dbroles import app_role; d = s.DATABASES['default']; "
        "print(json.dumps([d['ENGINE'], d['USER'], d['PASSWORD'], d['HOST'], d['NAME'], app_role()]))"
    )

    def run(**extra: str) -> list:
        out = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=_clean_env(CURHAT_DATA_DIR=str(tmp_path), **extra),
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(out.stdout.strip().splitlines()[-1])

    url = "postgres://curhat_app@postgres:5432/curhat"
    assert run(DATABASE_URL=url, DATABASE_PASSWORD="p@ss:w/rd#1%") == [
        "django.db.backends.postgresql", "curhat_app", "p@ss:w/rd#1%", "postgres", "curhat",
        ["curhat_app", "p@ss:w/rd#1%"],
    ]  # fmt: skip
    # Without it: the URL's own password, and PostgreSQL all the same.
    assert run(DATABASE_URL="postgres://u:pw@db:5432/x")[:3] == ["django.db.backends.postgresql", "u", "pw"]


def test_an_empty_prometheus_multiproc_dir_is_unset(tmp_path):
    """prometheus_client took "PROMETHEUS_MULTIPROC_DIR=" (an old .env's line) as multiprocess mode
    with its files in the working folder."""
    code = (
        "import django; django.setup(); import os; from prometheus_client import values; "
        "print(values.ValueClass.__name__, 'PROMETHEUS_MULTIPROC_DIR' in os.environ)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_clean_env(CURHAT_DATA_DIR=str(tmp_path), PROMETHEUS_MULTIPROC_DIR=""),
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split() == ["MutexValue", "False"]
