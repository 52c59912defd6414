"""Reading settings from the environment: tiny typed helpers (Healthchecks' way), one place.

An empty variable means "not set" for every helper: a ``.env`` copied from ``.env.example`` has lines
such as ``CURHAT_DATA_DIR=`` and ``CELERY_BROKER_URL=``, which must leave the default (or the value
the Dockerfile/compose file gives) in place, never override it with "" (issue 18).
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def _raw(name: str) -> str | None:
    """The variable's value, or None when it is unset or empty (only whitespace counts as empty too)."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return None
    return raw


def env(name: str, default: str = "") -> str:
    raw = _raw(name)
    return default if raw is None else raw


def env_bool(name: str, default: bool = False) -> bool:
    raw = _raw(name)
    if raw is None:
        return default
    if raw.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.strip().lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(
        f"{name} harus boolean (1/0, true/false), bukan {raw!r} / "
        f"{name} must be a boolean (1/0, true/false), got {raw!r}"
    )


def env_int(name: str, default: int) -> int:
    raw = _raw(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"{name} harus bilangan bulat, bukan {raw!r} / {name} must be an integer, got {raw!r}"
        ) from exc


def env_float(name: str, default: float) -> float:
    raw = _raw(name)
    if raw is None:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"{name} harus angka, bukan {raw!r} / {name} must be a number, got {raw!r}"
        ) from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def env_secret(name: str, default: str = "") -> str:
    """A secret from ``NAME`` or from the file named by ``NAME_FILE`` (Docker secrets); empty = unset."""
    path = _raw(f"{name}_FILE")
    if path is not None:
        return Path(path).read_text(encoding="utf-8").strip()
    return env(name, default)


def env_rate(name: str, default: str) -> str:
    """A django-ratelimit rate ("count/period"). Empty means the default like everywhere else; "off"
    (or 0/none) switches the limit off, which the code reads as ""."""
    raw = env(name, default).strip()
    return "" if raw.lower() in {"off", "0", "none", "no"} else raw


def host_entry_problem(entry: str) -> str:
    """Why an ALLOWED_HOSTS entry can never match a request's host ("" when it can): Django compares
        the host without its port, so "https://name", "name:8443" or "name/path" turns every request away. One of "scheme", "port",
    "path"."""
    if "://" in entry:
        return "scheme"
    if "/" in entry:
        return "path"
    if entry.startswith("["):
        return "" if entry.endswith("]") else "port"
    if ":" in entry:
        return "port"
    return ""
