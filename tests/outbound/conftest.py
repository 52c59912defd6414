"""Fixtures for the outbound tests: provider stand-ins, the office's channel accounts pointed at
them, tickets on every channel, and a real worker configured to send to the stand-ins."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from channels.models import ChannelAccount
from tests.factories import inbound
from tests.standins import ProviderStandIn, RedisServer, SmtpSink, producer_broker
from tests.support import ROOT, WorkerProcess, _database_url, set_eager
from tickets.ingest import ticket_ingest

from .office import (
    CITIZEN_MOBILE,
    CONTENT_SID,
    META_PHONE_NUMBER_ID,
    META_TOKEN,
    OFFICE_EMAIL,
    OFFICE_PHONE,
    OFFICE_WHATSAPP,
    PAGE_ID,
    PAGE_TOKEN,
    TWILIO_SID,
    TWILIO_TOKEN,
)

# Short timeouts and backoff: what the worker process reads from its environment, and the test
# process from its settings.
FAST = {
    "CURHAT_PROVIDER_TIMEOUT_SECONDS": 2,
    "EMAIL_TIMEOUT": 2,
    "CURHAT_OUTBOX_BACKOFF_BASE_MS": 100,
    "CURHAT_OUTBOX_BACKOFF_MAX_MS": 400,
    "CURHAT_OUTBOX_SENDING_LEASE_SECONDS": 1,  # raised to 4 × timeout + 5 = 13 s by the outbox
    "CURHAT_OUTBOX_STUCK_AFTER_SECONDS": 2,
    "CURHAT_OUTBOX_SWEEP_INTERVAL_SECONDS": 1,
}


@pytest.fixture
def standin():
    server = ProviderStandIn().start()
    server.add_twilio_account(TWILIO_SID, TWILIO_TOKEN)
    server.add_graph_node(META_PHONE_NUMBER_ID, META_TOKEN)
    server.add_graph_node(PAGE_ID, PAGE_TOKEN)
    yield server
    server.stop()


@pytest.fixture
def smtp_sink():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def live_providers(settings, standin, smtp_sink):
    """Sandbox off; the senders talk to the stand-ins (the real code path, over HTTP/SMTP)."""
    settings.CURHAT_SANDBOX = False
    # Only replies travel here: no media downloads or auto-acknowledgements after ingest.
    settings.CURHAT_AFTER_INGEST_TASKS = []
    settings.CURHAT_TWILIO_API_BASE_URL = standin.base_url
    settings.CURHAT_GRAPH_API_BASE_URL = standin.base_url
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_sink.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    for name, value in FAST.items():
        setattr(settings, name, value)
    return standin


def worker_env(standin: ProviderStandIn, smtp_sink: SmtpSink, redis_url: str, **extra: str) -> dict[str, str]:
    return {
        "CURHAT_SANDBOX": "0",
        "CURHAT_AUTOACK_ENABLED": "0",
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "CURHAT_TWILIO_API_BASE_URL": standin.base_url,
        "CURHAT_GRAPH_API_BASE_URL": standin.base_url,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_sink.port),
        **{name: str(value) for name, value in FAST.items()},
        **extra,
    }


@pytest.fixture
def private_redis():
    """A redis-server of this test's own: workers, beat and this process's producer use it, so no
    other engineer's tasks (sharing the Redis on 6379) reach our workers, nor ours theirs; and the
    outage test may stop it."""
    server = RedisServer().start()
    with producer_broker(server.url):
        yield server
    server.stop()


@pytest.fixture
def start_worker(transactional_db, live_providers, smtp_sink, private_redis):
    """Start real worker processes talking to the stand-ins; stopped (or killed) at the end."""
    started: list[WorkerProcess] = []
    set_eager(False)

    def start(**extra: str) -> WorkerProcess:
        env = worker_env(live_providers, smtp_sink, private_redis.url, **extra)
        worker = WorkerProcess(extra_env=env).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
    set_eager(True)


class BeatProcess:
    """``celery beat`` (the sweeper's schedule) as its own process."""

    def __init__(self, extra_env: dict[str, str]):
        self.dir = tempfile.mkdtemp(prefix="beat-")
        self.log_path = ROOT / "test-artifacts" / f"beat-{os.getpid()}-{time.monotonic_ns()}.log"
        env = {**os.environ, "DATABASE_URL": _database_url(), "DB_CONN_MAX_AGE": "0", **extra_env}
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "curhat",
                "beat",
                "--loglevel=INFO",
                "-s",
                os.path.join(self.dir, "schedule"),
            ],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self._log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


# --- the office's accounts and citizens' tickets --------------------------------------------------


@pytest.fixture
def accounts(db):
    def make(slug, channel, provider, address, secrets_, config=None):
        return ChannelAccount.objects.create(
            slug=slug,
            name=slug,
            channel=channel,
            provider=provider,
            address=address,
            secrets=secrets_,
            config=config or {},
        )

    return {
        "twilio_whatsapp": make(
            "wa-twilio",
            "whatsapp",
            "twilio_whatsapp",
            OFFICE_WHATSAPP,
            {"account_sid": TWILIO_SID, "auth_token": TWILIO_TOKEN},
            {"reply_template": {"content_sid": CONTENT_SID, "variables": ["reference", "body"]}},
        ),
        "meta_whatsapp": make(
            "wa-meta",
            "whatsapp",
            "meta_whatsapp",
            META_PHONE_NUMBER_ID,
            {"access_token": META_TOKEN},
            {"reply_template": {"name": "balasan_konsultasi", "language": "id"}},
        ),
        "messenger": make("fb-page", "facebook", "messenger", PAGE_ID, {"page_access_token": PAGE_TOKEN}),
        "twilio_voice": make(
            "telepon",
            "phone",
            "twilio_voice",
            OFFICE_PHONE,
            {"account_sid": TWILIO_SID, "auth_token": TWILIO_TOKEN},
        ),
        "email": make("surel", "email", "email_imap", OFFICE_EMAIL, {}),
        "website": make("web", "website", "website", "", {}),
    }


@dataclass
class Citizen:
    """How the tests open a ticket: an inbound message through the real ticket_ingest."""

    accounts: dict

    def ticket(self, provider: str, *, ago: dt.timedelta = dt.timedelta(minutes=5), **overrides):
        account = self.accounts.get(provider)
        channel, sender_kind, sender, pid = {
            "twilio_whatsapp": ("whatsapp", "phone", CITIZEN_MOBILE, "SM" + secrets.token_hex(16)),
            "meta_whatsapp": ("whatsapp", "phone", CITIZEN_MOBILE, "wamid." + secrets.token_hex(12)),
            "messenger": ("facebook", "facebook_psid", "24536475869701234", "m_" + secrets.token_hex(12)),
            "twilio_voice": ("phone", "phone", CITIZEN_MOBILE, "CA" + secrets.token_hex(16)),
            "email_imap": ("email", "email", "warga@example.com", f"<{secrets.token_hex(8)}@example.com>"),
            "website": ("website", "email", "warga@example.com", "web-" + secrets.token_hex(8)),
        }[provider]
        fields: dict[str, Any] = {
            "channel": channel,
            "provider": provider,
            "sender_kind": sender_kind,
            "sender": sender,
            "provider_message_id": pid,
            "timestamp": timezone.now() - ago,
            "text": "Selamat pagi, syarat membuat KK baru apa saja?",
        }
        fields.update(overrides)
        account = self.accounts.get("email" if provider == "email_imap" else provider)
        return ticket_ingest(message=inbound(**fields), account=account).ticket


@pytest.fixture
def citizen(accounts):
    return Citizen(accounts)
