"""An age /metrics cannot know is still a sample (issue 18, outside test): a mailbox never polled
successfully reports its account's age, beat's heartbeat lost with Redis (or expired after a day
without beat) reports +Inf. An absent series never fires an "older than" alert."""

from __future__ import annotations

import datetime as dt
import math
import re

import pytest
from django.core.cache import cache
from django.utils import timezone

from channels.models import ChannelAccount, MailboxState
from curhat.metrics import exposition
from curhat.system import BEAT_HEARTBEAT_KEY
from curhat.tasks import beat_heartbeat

pytestmark = pytest.mark.django_db


def _samples(name: str) -> dict[str, float]:
    text = exposition().decode()
    return {
        labels: float(value) for labels, value in re.findall(rf"^{name}(\{{[^}}]*\}})? (\S+)$", text, re.M)
    }


def _imap_account(slug: str, *, hours_old: float, **extra) -> ChannelAccount:
    return ChannelAccount.objects.create(
        slug=slug,
        name="Email kantor",
        channel="email",
        provider="email_imap",
        address=f"{slug}@kantor.test",
        config={"host": "127.0.0.1", "port": 1, "security": "none", "username": "u"},
        created_at=timezone.now() - dt.timedelta(hours=hours_old),
        **extra,
    )


def test_a_mailbox_never_polled_successfully_reports_its_accounts_age():
    never_ran = _imap_account("belum-jalan", hours_old=2)  # beat never polled it: no MailboxState
    failing = _imap_account("selalu-gagal", hours_old=3)
    MailboxState.objects.create(account=failing, folder="INBOX", last_error="ConnectionRefusedError")
    working = _imap_account("jalan", hours_old=5)
    MailboxState.objects.create(account=working, folder="INBOX", last_polled_at=timezone.now())
    _imap_account("mati", hours_old=9, is_active=False)  # switched off: no alert
    ages = _samples("curhat_imap_last_poll_age_seconds")
    assert set(ages) == {
        f'{{mailbox="{never_ran.slug}/INBOX"}}',
        f'{{mailbox="{failing.slug}/INBOX"}}',
        f'{{mailbox="{working.slug}/INBOX"}}',
    }
    assert ages[f'{{mailbox="{never_ran.slug}/INBOX"}}'] >= 2 * 3600
    assert ages[f'{{mailbox="{failing.slug}/INBOX"}}'] >= 3 * 3600
    assert ages[f'{{mailbox="{working.slug}/INBOX"}}'] < 60


def test_beat_heartbeat_unknown_is_infinite_not_absent(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # the full stack: beat and workers
    cache.delete(BEAT_HEARTBEAT_KEY)  # Redis restarted, or a day without beat (the key expired)
    assert _samples("curhat_beat_heartbeat_age_seconds") == {"": math.inf}
    beat_heartbeat()
    age = _samples("curhat_beat_heartbeat_age_seconds")[""]
    assert 0 <= age < 5


def test_an_unreachable_broker_is_a_sample_not_an_absent_series(settings):
    """Second outside round: with Redis down the queue lengths vanished and nothing said so."""
    import socket

    settings.CELERY_TASK_ALWAYS_EAGER = False
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port}/0"
    assert _samples("curhat_broker_up") == {"": 0.0}
    assert _samples("curhat_celery_queue_length") == {}
