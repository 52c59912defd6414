"""docker-compose.yml, the Dockerfile and .env.example, run as the containers would (issue 18).

No Docker engine or image registry here, so this test does what the images would do, on this
machine's PostgreSQL and Redis: the Dockerfile's build steps (compilemessages, collectstatic) in a
fresh copy of the tracked files, a ``.env`` copied from ``.env.example`` with what the README says to
fill, then each service's command with the compose environment (env_file, then ``environment``,
``${VAR:-default}`` interpolated): the one-shot migrate service (as the owner role, then the app
role's grants), gunicorn answering the web health check exactly as written, pages with their hashed
static files, a worker answering its health check, beat starting. Host names become 127.0.0.1, the
database one of this run's own, Redis the run's db number, container paths a temporary folder.

It fails on each fault the issue found: collectstatic without the production settings (no manifest:
/sehat/ 503, pages 500), empty variables in .env overriding the image's folders and the broker
(source files served under /static/, worker on amqp://), the health check without an allowed Host
and https (400, then 301).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
import yaml

from .support import ROOT

pytestmark = [pytest.mark.postgres, pytest.mark.worker, pytest.mark.timeout(600)]

BIN = Path(sys.executable).parent
HOST = "curhat.example.go.id"  # what the README has the office fill in for DJANGO_ALLOWED_HOSTS
METRICS_TOKEN = "rahasia-metrik-uji-7Hq2Lx9Wv4Nz"
APP_PASSWORD = "p@ss:w/rd#1%"


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _words(command) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else list(command)


# --- reading the three files --------------------------------------------------------------------
def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, argument) pairs, continuation lines joined, comments dropped."""
    joined = re.sub(
        r"\\\n", " ", "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    )
    out = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def parse_env_file(text: str) -> dict[str, str]:
    """docker compose's env_file: NAME=value per line, # comments, optional quotes."""
    values = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name.strip()] = value
    return values


def interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} from the project's .env."""

    def one(match: re.Match) -> str:
        name, default = match.group(1), match.group(3) or ""
        return variables.get(name) or default

    return re.sub(r"\$\{([A-Z0-9_]+)(:-([^}]*))?\}", one, value)


@dataclass
class Machine:
    """Where "the container" lives on this machine: path and host translations."""

    tmp: Path
    db_name: str
    redis_url: str
    port: int
    paths: dict[str, Path] = field(default_factory=dict)
    db_users: dict[str, str] = field(default_factory=dict)

    def path(self, text: str) -> str:
        """Container paths to local ones, in one pass (a local path is never translated again)."""
        names = "|".join(re.escape(name) for name in sorted(self.paths, key=len, reverse=True))
        text = re.sub(rf"(?<![\w/])({names})(?=[/\s'\"]|$)", lambda m: str(self.paths[m.group(1)]), text)
        return re.sub(r"(0\.0\.0\.0|127\.0\.0\.1|localhost):8000", f"127.0.0.1:{self.port}", text)

    def url(self, value: str) -> str:
        parts = urllib.parse.urlsplit(value)
        if parts.scheme.startswith("postgres"):
            user = self.db_users.get(parts.username or "", parts.username or "")
            auth = f"{user}:{parts.password}@" if parts.password else f"{user}@"
            return f"postgres://{auth}127.0.0.1:5432/{self.db_name}"
        if parts.scheme == "redis":
            return self.redis_url
        return value

    def env(self, values: dict[str, str]) -> dict[str, str]:
        out = {}
        for name, value in values.items():
            value = self.url(value) if "://" in value else value
            out[name] = self.path(value)
        return out


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _base_env() -> dict[str, str]:
    """A container's process environment starts empty: only what a shell needs."""
    return {
        "PATH": f"{BIN}:/usr/local/bin:/usr/bin:/bin",
        "HOME": os.environ.get("HOME", "/root"),
        "LANG": "C.UTF-8",
    }


class Service:
    def __init__(self, name: str, command: list[str], env: dict[str, str], cwd: Path, logs: Path):
        self.name, self.command, self.env, self.cwd = name, command, env, cwd
        self.log = logs / f"{name}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> Service:
        self.proc = subprocess.Popen(
            self.command,
            cwd=self.cwd,
            env=self.env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output():
                return
            assert self.proc is not None
            if self.proc.poll() is not None:
                pytest.fail(f"{self.name} exited {self.proc.returncode}:\n{self.output()[-4000:]}")
            time.sleep(0.3)
        pytest.fail(f"{self.name}: no {text!r} within {timeout}s:\n{self.output()[-4000:]}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


@dataclass
class Stack:
    machine: Machine
    app_dir: Path
    services: dict
    envs: dict[str, dict[str, str]]
    running: dict[str, Service]
    build_log: str
    migrate_log: str
    health: subprocess.CompletedProcess | None = None

    def run(self, service: str, command: list[str], timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(
            [self.machine.path(word) for word in command],
            cwd=self.app_dir,
            env=self.envs[service],
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def _command(service: dict, machine: Machine) -> list[str]:
    return [machine.path(word) for word in _words(service["command"])]


def _healthcheck(service: dict) -> list[str]:
    """A service's health check as the container runs it: CMD's words, or CMD-SHELL's line for sh
    (compose's ``$$`` is a literal ``$``)."""
    test = service["healthcheck"]["test"]
    if test[0] == "CMD-SHELL":
        return ["sh", "-c", test[1].replace("$$", "$")]
    assert test[0] == "CMD", test
    return list(test[1:])


def _build(machine: Machine, app_dir: Path, context: Path, logs: list[str]) -> dict[str, str]:
    """The Dockerfile, step by step: ENV, WORKDIR, COPY from the context, and the RUN steps that run
    Python (the project's own build: compilemessages, collectstatic). apt-get, useradd, chown and
    pip (the packages are this virtualenv's) are the base image's business."""
    env: dict[str, str] = {}
    workdir = app_dir
    for instruction, arg in dockerfile_instructions((context / "Dockerfile").read_text()):
        if instruction == "ENV":
            for pair in shlex.split(arg):
                name, _, value = pair.partition("=")
                env[name] = machine.path(value)
        elif instruction == "WORKDIR":
            workdir = Path(machine.path(arg))
            workdir.mkdir(parents=True, exist_ok=True)
        elif instruction == "COPY":
            *sources, dest = shlex.split(arg)
            for source in sources:
                src = context / source
                target = workdir / (src.name if dest.endswith("/") or dest in {".", "./"} else dest)
                if src.is_dir():
                    shutil.copytree(src, target)
                else:
                    shutil.copy2(src, target)
        elif instruction == "RUN":
            for step in (part.strip() for part in arg.split("&&")):
                words = shlex.split(step)
                while words and re.match(r"^[A-Z_][A-Z0-9_]*=", words[0]):
                    words = words[1:]
                if not words or words[0] != "python":
                    logs.append(f"skipped: {step}")
                    continue
                result = subprocess.run(
                    ["sh", "-c", machine.path(step)],
                    cwd=workdir,
                    env={**_base_env(), "PYTHONPATH": str(workdir), **env},
                    capture_output=True,
                    text=True,
                    timeout=180,
                )
                logs.append(f"ran: {step}\n{result.stdout}{result.stderr}")
                assert result.returncode == 0, f"build step failed: {step}\n{result.stdout}{result.stderr}"
    return env


def _pg_admin(sql: str, dbname: str = "postgres") -> None:
    with psycopg.connect(
        host="127.0.0.1", port=5432, user="postgres", dbname=dbname, autocommit=True
    ) as conn:
        conn.execute(sql)


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("compose")
    base = urllib.parse.urlsplit(os.environ["DATABASE_URL"]).path.lstrip("/") or "curhat"
    db_name = f"{base}_compose"
    compose = _compose()
    services = compose["services"]
    postgres_env = services["postgres"]["environment"]
    machine = Machine(tmp=tmp, db_name=db_name, redis_url=os.environ["REDIS_URL"], port=_free_port())
    machine.paths = {
        "/app": tmp / "app",
        "/var/lib/curhat": tmp / "data",
        "/tmp": tmp / "tmp",
    }
    for local in machine.paths.values():
        local.mkdir(exist_ok=True)
    shutil.rmtree(tmp / "app")
    machine.db_users = {postgres_env["POSTGRES_USER"]: "postgres"}

    # A fresh directory holding a copy of the tracked files: the build context.
    context = tmp / "context"
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, tracked.decode().split("\0")):
        if (ROOT / name).is_file():
            (context / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, context / name)

    # .env: a copy of .env.example plus the minimum the README says to set.
    dotenv = (context / ".env.example").read_text() + (
        f"\nDJANGO_SECRET_KEY=compose-test-{os.getpid()}-Zq8x2LmP9w4Rt6Yu1Io3EaKk7Nn5Bb-Vc0Xs4Dg8Hj2\n"
        f"CURHAT_NIK_HASH_KEY=compose-test-nik-{os.getpid()}-Hq7y3Kn8Ox5Su2Zv4Wb\n"
        f"DJANGO_ALLOWED_HOSTS={HOST}\nCURHAT_METRICS_TOKEN={METRICS_TOKEN}\n"
        # A database password with URL-special characters (it broke compose's DATABASE_URL), and
        # lines an old .env has: empty folders must leave the image's (static files: its manifest).
        f"CURHAT_DB_APP_PASSWORD='{APP_PASSWORD}'\nDJANGO_STATIC_ROOT=\nCURHAT_UPLOAD_ROOT=\n"
    )
    (context / ".env").write_text(dotenv)
    env_file = parse_env_file(dotenv)

    build_log: list[str] = []
    image_env = _build(machine, tmp / "app", context, build_log)
    app_dir = machine.paths["/app"]

    # The app role: its name from the compose file's DATABASE_URL, prefixed with this run's database.
    app_user = urllib.parse.urlsplit(
        interpolate(services["web"]["environment"]["DATABASE_URL"], env_file)
    ).username
    assert app_user and app_user != postgres_env["POSTGRES_USER"], "web must not connect as the owner"
    machine.db_users[app_user] = f"{db_name}_app"
    _pg_admin(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
    _pg_admin(f'DROP ROLE IF EXISTS "{db_name}_app"')
    _pg_admin(f'CREATE DATABASE "{db_name}"')

    envs = {}
    for name in ("migrate", "web", "inbound", "worker", "beat"):
        declared = {k: interpolate(str(v), env_file) for k, v in services[name]["environment"].items()}
        envs[name] = {
            **_base_env(),
            "HOSTNAME": socket.gethostname(),  # a container's host name (the worker's node name)
            "PYTHONPATH": str(app_dir),
            **image_env,
            **machine.env(env_file),
            **machine.env(declared),
        }

    running: dict[str, Service] = {}
    logs = tmp / "logs"
    logs.mkdir()
    try:
        migrate = subprocess.run(
            _command(services["migrate"], machine),
            cwd=app_dir,
            env=envs["migrate"],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert migrate.returncode == 0, migrate.stdout[-3000:] + migrate.stderr[-5000:]
        for name in ("web", "inbound", "worker", "beat"):
            running[name] = Service(
                name, _command(services[name], machine), envs[name], app_dir, logs
            ).start()
        yield Stack(
            machine, app_dir, services, envs, running, "\n".join(build_log), migrate.stdout + migrate.stderr
        )
    finally:
        for service in running.values():
            service.stop()
        _pg_admin(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        _pg_admin(f'DROP ROLE IF EXISTS "{db_name}_app"')


def _get(stack: Stack, path: str, **headers: str):
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", stack.machine.port, timeout=15)
    try:
        conn.request("GET", path, headers={"Host": HOST, "X-Forwarded-Proto": "https", **headers})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def _healthy(stack: Stack, timeout: float = 90) -> subprocess.CompletedProcess:
    """The web health check, as written, until it passes (once per module: later calls reuse it)."""
    if stack.health is None:
        stack.health = _wait_healthy(stack, timeout)
    return stack.health


def _wait_healthy(stack: Stack, timeout: float) -> subprocess.CompletedProcess:
    test = stack.services["web"]["healthcheck"]["test"]
    assert test[0] == "CMD", "the health check runs a command in the container"
    deadline = time.monotonic() + timeout
    while True:
        result = stack.run("web", test[1:], timeout=20)
        if result.returncode == 0 or time.monotonic() > deadline:
            return result
        if stack.running["web"].proc.poll() is not None:  # type: ignore[union-attr]
            pytest.fail(f"gunicorn exited:\n{stack.running['web'].output()[-4000:]}")
        time.sleep(1)


# --- the compose file's shape ---------------------------------------------------------------------
def test_every_service_waits_for_the_one_shot_migrate_service():
    services = _compose()["services"]
    assert set(services) == {"migrate", "web", "inbound", "worker", "beat", "postgres", "redis"}
    assert services["migrate"]["restart"] == "no"
    assert "migrate" not in services["migrate"].get("depends_on", {})
    for name in ("web", "inbound", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["postgres"]["condition"] == "service_healthy"
        assert "healthcheck" in services[name]
        assert "DATABASE_OWNER_URL" not in services[name]["environment"], f"{name} must not hold the owner"
        assert "manage.py migrate" not in " ".join(_words(services[name]["command"]))
    assert "DATABASE_OWNER_URL" in services["migrate"]["environment"]


# --- the build and the services, run --------------------------------------------------------------
def test_build_writes_the_static_manifest(stack):
    # The old .env's empty DJANGO_STATIC_ROOT reaches the container (env_file beats the image's ENV)
    # and means "not set": the app folder's staticfiles/, where the build wrote the manifest.
    assert stack.envs["web"]["DJANGO_STATIC_ROOT"] == ""
    assert (stack.app_dir / "staticfiles" / "staticfiles.json").is_file(), stack.build_log
    assert "Peran aplikasi" in stack.migrate_log


def test_web_health_check_passes_as_written(stack):
    result = _healthy(stack)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:] + stack.running["web"].output()[
        -3000:
    ]
    status, _headers, body = _get(stack, "/sehat/")
    assert status == 200 and b'"static": "ok"' in body, body


def test_pages_come_with_their_hashed_static_files(stack):
    assert _healthy(stack).returncode == 0
    status, _headers, body = _get(stack, "/masuk/")
    assert status == 200, body[-2000:]
    assets = re.findall(rb'(?:href|src)="(/static/[^"]+\.(?:css|js))"', body)
    assert assets, body[:2000]
    for asset in assets:
        assert re.search(rb"\.[0-9a-f]{12}\.(css|js)$", asset), f"not a hashed name: {asset!r}"
        status, headers, content = _get(stack, asset.decode())
        assert status == 200 and content, asset
        assert headers.get("Content-Type", "").split(";")[0] in {
            "text/css",
            "text/javascript",
            "application/javascript",
        }
    # Only collected files are served: never the source tree (STATIC_ROOT must not be the app folder).
    for source in ("/static/manage.py", "/static/pyproject.toml", "/static/.env"):
        assert _get(stack, source)[0] == 404, source


def test_the_app_runs_as_the_non_owning_role(stack):
    assert _healthy(stack).returncode == 0
    code = "from django.db import connection; c = connection.cursor(); c.execute('select current_user'); print(c.fetchone()[0])"
    result = stack.run("web", ["python", "manage.py", "shell", "-c", code])
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == f"{stack.machine.db_name}_app"


def test_metrics_answer_the_token_only(stack):
    assert _healthy(stack).returncode == 0
    assert _get(stack, "/metrics")[0] == 403
    for _ in range(3):  # several gunicorn workers: the histogram sums their files
        _get(stack, "/masuk/")
    status, _headers, body = _get(stack, "/metrics", Authorization=f"Bearer {METRICS_TOKEN}")
    assert status == 200, body[-2000:]
    text = body.decode()
    assert "curhat_http_request_duration_seconds_bucket" in text
    assert "curhat_inbound_oldest_pending_age_seconds" in text
    assert 'curhat_celery_queue_length{queue="celery"}' in text


def test_worker_starts_on_redis_and_answers_its_health_check(stack):
    worker = stack.running["worker"]
    worker.wait_for("ready.", timeout=90)
    assert f"redis://127.0.0.1:{urllib.parse.urlsplit(stack.machine.redis_url).port}" in worker.output()
    assert "amqp://" not in worker.output()
    test = stack.services["worker"]["healthcheck"]["test"]
    assert "-d celery@$$HOSTNAME" in " ".join(test), "the check pings this container's own worker"
    result = stack.run("worker", _healthcheck(stack.services["worker"]), timeout=60)
    assert result.returncode == 0 and "pong" in result.stdout, result.stdout + result.stderr
    # Another container's node name does not answer: the check is this worker's own.
    env = {**stack.envs["worker"], "HOSTNAME": "no-such-container"}
    missing = subprocess.run(
        _healthcheck(stack.services["worker"]),
        cwd=stack.app_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode != 0, missing.stdout + missing.stderr


def test_beat_starts_and_answers_its_health_check(stack):
    beat = stack.running["beat"]
    beat.wait_for("beat: Starting", timeout=60)
    schedule = Path(stack.machine.path("/var/lib/curhat/celerybeat-schedule"))
    deadline = time.monotonic() + 30
    while not list(schedule.parent.glob(schedule.name + "*")) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert "amqp://" not in beat.output(), beat.output()[-2000:]
    result = stack.run("beat", _words(stack.services["beat"]["healthcheck"]["test"])[1:])
    assert result.returncode == 0, result.stdout + result.stderr + beat.output()[-2000:]


def test_a_webhook_posted_to_web_is_applied_by_the_inbound_service(stack):
    """web only stores the event and answers; the inbound service (PostgreSQL NOTIFY) applies it."""
    import hashlib
    import hmac
    import http.client
    import json

    assert _healthy(stack).returncode == 0
    stack.running["inbound"].wait_for("inbound_worker: mulai", timeout=60)
    secret = "rahasia-compose"
    create = (
        "from channels.models import ChannelAccount; ChannelAccount.objects.get_or_create(slug='wa-compose', "
        "defaults=dict(name='WA', channel='whatsapp', provider='meta_whatsapp', address='109876543210', "
        f"secrets={{'app_secret': '{secret}'}}))"
    )
    result = stack.run("web", ["python", "manage.py", "shell", "-c", create])
    assert result.returncode == 0, result.stderr[-3000:]
    body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{
        "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "62811415227", "phone_number_id": "109876543210"},
            "contacts": [{"profile": {"name": "Warga Compose"}, "wa_id": "6281234509999"}],
            "messages": [{"from": "6281234509999", "id": "wamid.compose1", "timestamp": "1764320400",
                          "type": "text", "text": {"body": "Syarat KK lewat compose?"}}]}}]}]}).encode()  # fmt: skip
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    conn = http.client.HTTPConnection("127.0.0.1", stack.machine.port, timeout=15)
    conn.request(
        "POST",
        "/webhooks/meta_whatsapp/wa-compose/",
        body=body,
        headers={"Host": HOST, "X-Forwarded-Proto": "https", "Content-Type": "application/json",
                 "X-Hub-Signature-256": signature},
    )  # fmt: skip
    response = conn.getresponse()
    assert response.status == 200, response.read()[:500]
    count = "from tickets.models import Message; print(Message.objects.filter(provider_message_id='wamid.compose1').count())"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        result = stack.run("web", ["python", "manage.py", "shell", "-c", count])
        if result.stdout.strip().splitlines()[-1:] == ["1"]:
            break
        time.sleep(1)
    assert result.stdout.strip().splitlines()[-1:] == ["1"], stack.running["inbound"].output()[-3000:]
    health = stack.run("inbound", _words(stack.services["inbound"]["healthcheck"]["test"])[1:])
    assert health.returncode == 0, health.stdout + health.stderr


# --- issue 18's tester: passwords with URL-special characters, check --deploy at start -------------
def _scram_matches(verifier: str, password: str) -> bool:
    """PostgreSQL's SCRAM-SHA-256 verifier (pg_authid.rolpassword) against a password."""
    import base64
    import hashlib
    import hmac

    match = re.fullmatch(r"SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)", verifier or "")
    assert match, verifier
    iterations, salt, stored_key = int(match[1]), base64.b64decode(match[2]), base64.b64decode(match[3])
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    return hashlib.sha256(client_key).digest() == stored_key


def test_a_password_with_url_special_characters_reaches_the_app_role(stack):
    assert _healthy(stack).returncode == 0  # web connected as the app role
    url = stack.envs["web"]["DATABASE_URL"]
    assert "@" in url and urllib.parse.urlsplit(url).password is None, "no password inside the URL"
    assert stack.envs["web"]["DATABASE_PASSWORD"] == APP_PASSWORD
    with psycopg.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres") as conn:
        verifier = conn.execute(
            "SELECT rolpassword FROM pg_authid WHERE rolname = %s", [f"{stack.machine.db_name}_app"]
        ).fetchone()[0]
    assert _scram_matches(verifier, APP_PASSWORD)
    code = "from django.db import connection; print(connection.settings_dict['PASSWORD'])"
    result = stack.run("web", ["python", "manage.py", "shell", "-c", code])
    assert result.stdout.strip().splitlines()[-1] == APP_PASSWORD, result.stderr[-2000:]


@pytest.mark.parametrize("service", ["migrate", "web"])
def test_the_start_runs_check_deploy_and_stops_on_an_error(stack, service):
    words = _words(stack.services[service]["command"])
    assert "check --deploy" in " ".join(words), f"{service} must run check --deploy before it starts"
    env = {**stack.envs[service], "CURHAT_PUBLIC_BASE_URL": "http://127.0.0.1:8000"}
    result = subprocess.run(
        _command(stack.services[service], stack.machine),
        cwd=stack.app_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0 and "channels.E003" in result.stdout + result.stderr, (
        result.stdout[-2000:] + result.stderr[-2000:]
    )
    assert "Listening at" not in result.stdout + result.stderr and "Applying" not in result.stdout
