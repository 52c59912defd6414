"""No Docker engine runs here: check the compose file's shape and that its commands name real things."""

from __future__ import annotations

import importlib
import re
import shlex

import yaml
from django.core.management import get_commands

from .support import ROOT


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_services_and_health_checks():
    services = _compose()["services"]
    assert set(services) == {"web", "worker", "beat", "postgres", "redis"}
    for name, service in services.items():
        assert "healthcheck" in service, f"{name} has no health check"
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://") and env["REDIS_URL"].startswith("redis://")
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"


def _words(command) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else list(command)


def test_commands_name_real_modules_and_management_commands():
    services = _compose()["services"]
    web = " ".join(_words(services["web"]["command"]))
    targets = re.findall(r"\b([a-z_][\w.]*\.[\w]+):([a-z_]\w*)\b", web)
    assert ("curhat.wsgi", "application") in targets
    for module, attribute in targets:
        assert hasattr(importlib.import_module(module), attribute), f"{module}:{attribute}"
    commands = get_commands()
    for used in ("migrate", "seed_office"):
        assert f"manage.py {used}" in web and used in commands
    for name in ("worker", "beat"):
        words = _words(services[name]["command"])
        assert words[:3] == ["celery", "-A", "curhat"]
        app = importlib.import_module(words[2]).celery_app
        assert app.main == "curhat"
    assert "/sehat/" in " ".join(_words(services["web"]["healthcheck"]["test"]))


def test_dockerfile_copies_every_app():
    dockerfile = (ROOT / "Dockerfile").read_text()
    for part in ("curhat", "channels", "tickets", "officials", "reports", "templates", "static", "manage.py"):
        assert f"COPY {part}" in dockerfile
