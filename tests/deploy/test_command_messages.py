"""What the office's IT person reads from commands and at start is Indonesian (English after it where
a settings error may reach someone else), and commands work against a production app (issue 18,
outside test)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command
from django.db import connections

from channels.models import ChannelAccount, InboundEvent
from tickets.models import Message

from ..support import ROOT
from ..test_settings import PRINT_SETTINGS, _clean_env
from .test_db_roles import app_role  # noqa: F401  (fixture)


@pytest.mark.parametrize(
    ("variable", "value", "indonesian", "english"),
    [
        ("CURHAT_SANDBOX", "mungkin", "harus boolean", "must be a boolean"),
        ("CURHAT_RETENTION_DAYS", "dua", "harus bilangan bulat", "must be an integer"),
        ("CURHAT_LOG_FORMAT", "xml", "harus json atau plain", "must be json or plain"),
    ],
)
def test_settings_errors_at_start_are_indonesian_first(tmp_path, variable, value, indonesian, english):
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=ROOT,
        env=_clean_env(CURHAT_DATA_DIR=str(tmp_path), **{variable: value}),
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert indonesian in last and english in last and last.index(indonesian) < last.index(english), last


def test_simulate_sends_an_allowed_host(live_server, settings):
    """Production allows the public name only: simulate's post to 127.0.0.1 was a 400 DisallowedHost."""
    settings.ALLOWED_HOSTS = ["curhat.example.go.id"]
    settings.PUBLIC_BASE_URL = "https://curhat.example.go.id"
    ChannelAccount.objects.create(
        slug="sim", name="sim", channel="whatsapp", provider="meta_whatsapp", secrets={"app_secret": "s"}
    )
    call_command("simulate", "meta_whatsapp", "--text", "Syarat KK?", "--url", live_server.url)
    call_command(
        "simulate", "meta_whatsapp", "--text", "Syarat KTP?", "--url", live_server.url,
        "--host", "curhat.example.go.id", "--from", "081234567891",
    )  # fmt: skip
    inbound = Message.objects.filter(direction=Message.Direction.IN)
    assert sorted(inbound.values_list("body", flat=True)) == ["Syarat KK?", "Syarat KTP?"]
    assert set(InboundEvent.objects.values_list("outcome", flat=True)) == {"processed"}


@pytest.mark.postgres
def test_tally_rollup_rebuild_as_the_app_role_says_what_to_do(app_role, settings):  # noqa: F811
    role, password = app_role
    settings.DATABASE_OWNER_URL = ""  # forgotten: the command runs as the app role
    default = connections["default"]
    saved = {key: default.settings_dict[key] for key in ("USER", "PASSWORD")}
    default.close()
    default.settings_dict.update(USER=role, PASSWORD=password)
    try:
        with pytest.raises(CommandError, match="peran pemilik") as raised:
            call_command("tally_rollup", "--rebuild")
        assert "DATABASE_OWNER_URL" in str(raised.value) and "Traceback" not in str(raised.value)
    finally:
        default.close()
        default.settings_dict.update(saved)
