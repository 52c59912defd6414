"""`check --deploy --fail-level ERROR` (what the compose services run before they start) refuses the
production settings an outside tester found passing although the site then broke (issue 18): each
with its own check id (curhat.E0xx) and the value it refuses named."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ..support import ROOT
from ..test_settings import PRODUCTION_ENV, _clean_env, _dump


def _check_deploy(tmp_path, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "ERROR"],
        cwd=ROOT,
        env=_clean_env(CURHAT_DATA_DIR=str(tmp_path), **{**PRODUCTION_ENV, **extra}),
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize(
    ("extra", "check_id", "named"),
    [
        ({"DJANGO_DEBUG": "1"}, "curhat.E001", "DJANGO_DEBUG"),  # DEBUG in production: debug pages
        (
            {"DJANGO_ALLOWED_HOSTS": "https://curhat.example.go.id"},
            "curhat.E002",
            "https://curhat.example.go.id",
        ),
        ({"DJANGO_ALLOWED_HOSTS": "curhat.example.go.id:8443"}, "curhat.E002", "curhat.example.go.id:8443"),
        ({"CURHAT_LOGIN_RATE": "20"}, "curhat.E003", "CURHAT_LOGIN_RATE"),  # /masuk/ POST 500
        ({"CURHAT_WEBSITE_RATE_PER_IP": "10/x"}, "curhat.E003", "CURHAT_WEBSITE_RATE_PER_IP"),
        ({"CURHAT_RATELIMIT_IP_META_KEY": "X-Real-IP"}, "curhat.E004", "HTTP_X_REAL_IP"),  # every form 500
        ({"CURHAT_METRICS_ALLOWED_NETWORKS": "10.0.0.0/33"}, "curhat.E005", "10.0.0.0/33"),  # nothing allowed
        # Second outside round: these started and served but defeated the office quietly.
        ({"CURHAT_SANDBOX": "1"}, "curhat.E006", "CURHAT_SANDBOX"),  # replies never sent
        (
            {"DJANGO_ALLOWED_HOSTS": "*", "CURHAT_PUBLIC_BASE_URL": "https://curhat.example.go.id"},
            "curhat.E007",
            "*",
        ),
        ({"CURHAT_METRICS_ALLOWED_NETWORKS": "0.0.0.0/0"}, "curhat.E008", "0.0.0.0/0"),
        ({"CURHAT_METRICS_TOKEN": "a"}, "curhat.E009", "CURHAT_METRICS_TOKEN"),
        ({"CURHAT_TRUSTED_PROXIES": "0"}, "curhat.E010", "CURHAT_TRUSTED_PROXIES"),
    ],
)
def test_check_deploy_refuses_broken_production_setting(tmp_path, extra, check_id, named):
    result = _check_deploy(tmp_path, **extra)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert check_id in output and named in output, output


@pytest.mark.parametrize(
    "extra",
    [
        {"CURHAT_LOGIN_RATE": "100/5m", "CURHAT_TRACKING_RATE_PER_IP": "off"},
        {
            "CURHAT_RATELIMIT_IP_META_KEY": "HTTP_X_REAL_IP",
            "CURHAT_METRICS_ALLOWED_NETWORKS": "10.0.0.0/8,fd00::/8",
        },
        {
            "DJANGO_ALLOWED_HOSTS": ".example.go.id,[::1],10.0.0.5",
            "CURHAT_PUBLIC_BASE_URL": "https://example.go.id",
        },
    ],
)
def test_check_deploy_accepts_the_good_forms(tmp_path, extra):
    result = _check_deploy(tmp_path, **extra)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_debug_stays_off(tmp_path):
    # README: CURHAT_PRODUCTION=1 means "DEBUG off".
    assert _dump(tmp_path, **{**PRODUCTION_ENV, "DJANGO_DEBUG": "1"})["DEBUG"] == "False"


def test_public_base_url_is_not_built_from_a_broken_host_entry(tmp_path):
    s = _dump(
        tmp_path, **{**PRODUCTION_ENV, "DJANGO_ALLOWED_HOSTS": "https://bad.example,curhat.example.go.id"}
    )
    assert s["PUBLIC_BASE_URL"] == "https://curhat.example.go.id"
