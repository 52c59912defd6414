"""Provider registry, the secrets system check, replaying stored events, and `simulate`."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.management import call_command

from channels import registry
from channels.checks import channel_secrets_check, provider_packages_check
from channels.models import ChannelAccount, InboundEvent
from channels.processing import event_process
from tests.support import ROOT
from tickets import accounts
from tickets.models import Message, Ticket
from tickets.public.services import website_question_submit
from tickets.relay import senders as relay_senders
from tickets.relay.senders import SendError

from .webhook_base import fixture_bytes


@pytest.fixture(autouse=True)
def _fresh_registry():
    registry._packages.clear()
    registry._inbound.clear()
    yield
    registry._packages.clear()
    registry._inbound.clear()


def test_a_listed_package_that_does_not_exist_does_not_break_loading(settings):
    settings.CURHAT_CHANNEL_PROVIDERS = [
        "channels.providers.meta_whatsapp",
        "channels.providers.belum_ada",  # a colleague's provider, not written yet
    ]
    assert registry.provider_inbound("belum_ada") is None
    assert registry.provider_inbound("meta_whatsapp") is not None
    assert set(registry.available_packages()) == {"meta_whatsapp"}
    assert registry.provider_inbound("tidak_terdaftar") is None


def test_senders_follow_the_listed_packages(settings):
    """One registry: the packages listed are the providers we send through, in the listed order."""
    settings.CURHAT_CHANNEL_PROVIDERS = [
        "channels.providers.meta_whatsapp",
        "channels.providers.twilio_whatsapp",
        "channels.providers.belum_ada",  # not written yet: no sender, nothing breaks
    ]
    assert relay_senders.registered_providers() == ("meta_whatsapp", "twilio_whatsapp")
    assert relay_senders.channel_providers("whatsapp") == ("meta_whatsapp", "twilio_whatsapp")
    assert relay_senders.sender_for("meta_whatsapp").__name__ == "channels.providers.meta_whatsapp.outbound"
    with pytest.raises(SendError) as unlisted:
        relay_senders.sender_for("messenger")
    assert unlisted.value.permanent and unlisted.value.code == "no_sender"


def _package(root, name: str, init: str, outbound: str | None = None) -> str:
    package = root / name
    package.mkdir()
    (package / "__init__.py").write_text(init)
    if outbound is not None:
        (package / "outbound.py").write_text(outbound)
    return name


def test_the_check_names_each_listed_provider_that_cannot_serve(settings, tmp_path, monkeypatch):
    """Found from outside: a provider package written for the previous release (importing the moved
    channels.senders / channels.types), or one without CHANNEL, disabled the channel silently
    (webhook 404, replies "no_sender") or crashed every process at start; `check` said nothing."""
    monkeypatch.syspath_prepend(str(tmp_path))
    old = _package(
        tmp_path,
        "penyedia_lama",
        'PROVIDER = "messenger"\nCHANNEL = "facebook"\n',
        "from channels.senders import SendError  # moved to tickets.relay.senders\n",
    )
    no_channel = _package(tmp_path, "tanpa_kanal", 'PROVIDER = "messenger"\n', "def send(message): ...\n")
    settings.CURHAT_CHANNEL_PROVIDERS = ["channels.providers.meta_whatsapp", old, no_channel]
    registry.senders_register()  # loading survives both (each only disables its own provider)
    problems = {error.obj: error.msg for error in provider_packages_check()}
    assert set(problems) == {old, no_channel}
    assert "channels.senders" in problems[old]
    assert "CHANNEL" in problems[no_channel]
    assert all(error.id == "channels.E002" for error in provider_packages_check())
    settings.CURHAT_CHANNEL_PROVIDERS = ["channels.providers.meta_whatsapp"]
    assert provider_packages_check() == []


@pytest.mark.django_db
def test_the_core_finds_the_offices_accounts_through_the_channels_app():
    def account(slug, channel, provider, **extra):
        return ChannelAccount.objects.create(
            slug=slug, name=slug, channel=channel, provider=provider, **extra
        )

    account("web-lama", "website", "website", is_active=False)
    web = account("web", "website", "website")
    meta = account("wa-meta", "whatsapp", "meta_whatsapp")
    twilio = account("wa-twilio", "whatsapp", "twilio_whatsapp")
    assert accounts.active_account(providers=("website",)) == web
    # On a channel, the provider listed first in CURHAT_CHANNEL_PROVIDERS wins, then the oldest.
    assert relay_senders.account_for_channel("whatsapp") == twilio
    assert accounts.active_account(providers=("meta_whatsapp", "twilio_whatsapp"), channel="whatsapp") == meta
    assert relay_senders.account_for_channel("facebook") is None
    submitted = website_question_submit(
        submission_id="akun-1",
        name="Warga",
        phone="",
        email="warga@example.com",
        topic=None,
        text="Syarat KK?",
    )
    assert submitted.result.ticket.account == web


def test_every_provider_of_this_issue_loads():
    for name in ("twilio_whatsapp", "meta_whatsapp", "messenger", "twilio_voice"):
        inbound = registry.provider_inbound(name)
        assert callable(inbound.verify) and callable(inbound.parse), name


@pytest.mark.django_db
def test_unconfigured_provider_url_is_404(client):
    response = client.post("/webhooks/telegram/akun/", data=b"{}", content_type="application/json")
    assert response.status_code == 404


@pytest.mark.django_db
def test_check_fails_for_an_active_account_without_its_secrets():
    ChannelAccount.objects.create(
        slug="wa-lengkap", name="a", channel="whatsapp", provider="meta_whatsapp",
        secrets={"app_secret": "x", "verify_token": "y", "access_token": "z"},
    )  # fmt: skip
    ChannelAccount.objects.create(
        slug="wa-kurang", name="b", channel="whatsapp", provider="meta_whatsapp", secrets={"app_secret": "x"}
    )
    ChannelAccount.objects.create(
        slug="telp-mati", name="c", channel="phone", provider="twilio_voice", is_active=False
    )
    errors = channel_secrets_check()
    assert [error.id for error in errors] == ["channels.E001"]
    assert (
        "wa-kurang" in errors[0].msg and "verify_token" in errors[0].msg and "access_token" in errors[0].msg
    )
    assert "CURHAT_WA_KURANG_VERIFY_TOKEN" in errors[0].hint


@pytest.mark.django_db
def test_check_accepts_secrets_from_the_environment(monkeypatch):
    ChannelAccount.objects.create(slug="telp", name="c", channel="phone", provider="twilio_voice")
    assert len(channel_secrets_check()) == 1
    monkeypatch.setenv("CURHAT_TELP_AUTH_TOKEN", "dari-lingkungan")
    assert channel_secrets_check() == []


def test_check_does_not_crash_before_the_tables_exist(tmp_path):
    # A fresh embedded default: an empty SQLite file, not migrated yet.
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["CURHAT_DATA_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_manage_check_reports_the_missing_secret():
    from django.core.management.base import SystemCheckError

    ChannelAccount.objects.create(slug="fb", name="fb", channel="facebook", provider="messenger")
    with pytest.raises(SystemCheckError, match=r"channels\.E001"):
        call_command("check")


@pytest.mark.django_db
def test_replay_reruns_error_events_after_a_fix(capsys):
    account = ChannelAccount.objects.create(
        slug="wa", name="wa", channel="whatsapp", provider="meta_whatsapp"
    )
    # An event whose normalizing failed (here: the contact's number could not be read).
    body = fixture_bytes("meta_whatsapp", "text")
    broken = InboundEvent.objects.create(
        provider="meta_whatsapp", account=account, content_type="application/json",
        body=body.replace(b'"from": "6281234567890"', b'"from": "12"'),
    )  # fmt: skip
    event_process(broken)
    broken.refresh_from_db()
    assert broken.outcome == "error" and "tidak valid" in broken.reason and broken.attempts == 1
    # "After the fix": the stored body is replayed as it is; here we repair the data by hand.
    InboundEvent.objects.filter(pk=broken.pk).update(body=body)
    pending = InboundEvent.objects.create(
        provider="meta_whatsapp", account=account, content_type="application/json",
        body=fixture_bytes("meta_whatsapp", "location"),
    )  # fmt: skip
    InboundEvent.objects.filter(pk=pending.pk).update(received_at=pending.received_at.replace(year=2025))
    call_command("replay_events")
    out = capsys.readouterr().out
    assert (
        f"#{broken.pk} meta_whatsapp: processed" in out and f"#{pending.pk} meta_whatsapp: processed" in out
    )
    assert Message.objects.count() == 2
    call_command("replay_events", str(broken.pk))  # replaying again changes nothing
    assert Message.objects.count() == 2
    broken.refresh_from_db()
    assert broken.outcome == "duplicate" and broken.attempts == 3


@pytest.mark.django_db
def test_fresh_pending_events_are_left_to_their_webhook(capsys):
    InboundEvent.objects.create(provider="meta_whatsapp", content_type="application/json", body=b"{}")
    call_command("replay_events")
    assert "tidak ada" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("provider", "channel", "secrets", "extra"),
    [
        ("meta_whatsapp", "whatsapp", {"app_secret": "s", "verify_token": "v", "access_token": "a"}, []),
        ("twilio_whatsapp", "whatsapp", {"auth_token": "t"}, []),
        ("messenger", "facebook", {"app_secret": "s", "verify_token": "v"}, []),
        ("twilio_voice", "phone", {"auth_token": "t"}, ["--duration", "95"]),
    ],
)
def test_simulate_posts_a_correctly_signed_webhook_to_a_running_app(
    live_server, settings, provider, channel, secrets, extra
):
    settings.PUBLIC_BASE_URL = live_server.url
    ChannelAccount.objects.create(slug="sim", name="sim", channel=channel, provider=provider, secrets=secrets)
    call_command(
        "simulate", provider, "--from", "081234567890", "--text", "Syarat KK baru apa saja?",
        "--url", live_server.url, *extra,
    )  # fmt: skip
    message = Message.objects.get()
    assert Ticket.objects.count() == 1 and message.channel == channel
    if provider == "twilio_voice":
        assert message.meta["call"]["duration_seconds"] == 95
    else:
        assert message.body == "Syarat KK baru apa saja?"
    assert set(InboundEvent.objects.values_list("outcome", flat=True)) == {"processed"}


@pytest.mark.django_db
def test_replay_leaves_events_of_an_unavailable_provider_as_they_are(settings):
    settings.CURHAT_CHANNEL_PROVIDERS = ["channels.providers.meta_whatsapp", "channels.providers.belum_ada"]
    event = InboundEvent.objects.create(
        provider="belum_ada_imap", content_type="message/rfc822", body=b"x", outcome="error", reason="r"
    )
    call_command("replay_events", str(event.pk))
    event.refresh_from_db()
    assert (event.outcome, event.reason, event.attempts) == ("error", "r", 0)


def test_events_are_routed_to_the_package_that_declares_their_provider(settings):
    settings.CURHAT_CHANNEL_PROVIDERS = [
        "channels.providers.twilio_voice",
        "channels.providers.meta_whatsapp",
    ]
    assert (
        registry.inbound_for_provider("meta_whatsapp").__name__ == "channels.providers.meta_whatsapp.inbound"
    )
    assert registry.inbound_for_provider("twilio_voice").__name__ == "channels.providers.twilio_voice.inbound"
    assert registry.inbound_for_provider("telegram") is None
