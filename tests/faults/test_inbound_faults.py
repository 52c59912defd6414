"""The inbound fault suite (PostgreSQL + Redis pass): real gunicorn, real inbound workers, a real
Celery worker, and faults caused for real: a worker killed with SIGKILL mid-batch, our own
redis-server stopped for 20 s during traffic, the database cut off for 20 s (a TCP proxy in front of
PostgreSQL drops every connection), concurrent messages of one citizen while the
auto-acknowledgement runs. Each run writes its books to test-artifacts/ and the log:
sent / acknowledged / stored / duplicated / lost. Lost must be 0."""

from __future__ import annotations

import http.client
import json
import threading
import time

import pytest
from django.db import connection
from django.db.models import Count

from channels.models import ChannelAccount, InboundEvent
from tickets.knowledge.autoack import tickets_awaiting_autoack
from tickets.knowledge.tasks import autoack_sweep_task
from tickets.models import Message, Ticket
from tickets.reference_data import reference_data_seed

from ..standins.redis import RedisServer
from ..support import WorkerProcess, wait_for
from .support import (
    PHONE_NUMBER_ID,
    SECRET,
    SLUG,
    Gunicorn,
    InboundWorker,
    Ledger,
    Provider,
    TcpProxy,
    artifacts,
    base_env,
    traffic,
)

pytestmark = [pytest.mark.postgres, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def account():
    reference_data_seed()
    return ChannelAccount.objects.create(
        slug=SLUG,
        name="WhatsApp gangguan",
        channel="whatsapp",
        provider="meta_whatsapp",
        address=PHONE_NUMBER_ID,
        secrets={"app_secret": SECRET, "verify_token": "v", "access_token": "a"},
    )


@pytest.fixture
def redis_server():
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def processes():
    started: list = []
    yield started
    for process in reversed(started):
        process.stop()


def _books(name: str, ledger: Ledger) -> dict[str, int]:
    stored = list(
        Message.objects.filter(provider="meta_whatsapp", provider_message_id__in=ledger.sent).values_list(
            "provider_message_id", flat=True
        )
    )
    books = ledger.report(stored)
    books["events_in_error"] = InboundEvent.objects.filter(outcome=InboundEvent.Outcome.ERROR).count()
    books["events_pending"] = InboundEvent.objects.filter(outcome=InboundEvent.Outcome.PENDING).count()
    books["answers"] = dict(sorted(ledger.statuses.items()))  # type: ignore[assignment]
    artifacts(f"faults/{name}.json").write_text(json.dumps(books, indent=2))
    print(f"\n{name}: {books}")
    return books


def _drained(timeout: float = 120) -> None:
    wait_for(
        lambda: not InboundEvent.objects.filter(outcome=InboundEvent.Outcome.PENDING).exists(),
        timeout=timeout,
        message="the queue to drain",
    )


def _in_sender_order() -> bool:
    """Each citizen's messages were stored in the order their events were committed."""
    for contact_id in Ticket.objects.values_list("contact", flat=True).distinct():
        event_ids = list(
            Message.objects.filter(ticket__contact_id=contact_id, direction="in")
            .order_by("id")
            .values_list("meta__event_id", flat=True)
        )
        if event_ids != sorted(event_ids):
            return False
    return True


def test_worker_killed_mid_batch_loses_and_doubles_nothing(account, processes):
    """300 messages acknowledged into the queue; the only inbound worker is killed with SIGKILL while
    it is applying a batch (each message INSERT is slowed so that the kill lands mid-batch); a new
    worker takes over."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE OR REPLACE FUNCTION test_slow() RETURNS trigger AS $$ BEGIN PERFORM pg_sleep(0.02); "
            "RETURN NULL; END; $$ LANGUAGE plpgsql"
        )
        cursor.execute(
            "CREATE TRIGGER test_slow AFTER INSERT ON tickets_message FOR EACH ROW EXECUTE FUNCTION test_slow()"
        )
    try:
        env = base_env()
        web = Gunicorn(env).start()
        processes.append(web)
        ledger = Ledger()
        provider = Provider(web.port, ledger)
        senders = [f"6281300000{n:03d}" for n in range(30)]
        for thread in traffic(provider, senders=senders, per_sender=10, threads=4):
            thread.join(timeout=120)
        assert len(ledger.acknowledged) == 300 and Message.objects.count() == 0

        first = InboundWorker(env, batch_size=20).start()
        processes.append(first)
        wait_for(lambda: Message.objects.count() >= 60, timeout=60, message="the first batches")
        first.kill()  # SIGKILL, mid-batch
        at_kill = Message.objects.count()
        second = InboundWorker(env, batch_size=20).start()
        processes.append(second)
        _drained()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER IF EXISTS test_slow ON tickets_message")
            cursor.execute("DROP FUNCTION IF EXISTS test_slow()")
    books = _books("worker-killed", ledger)
    assert 0 < at_kill < 300
    assert (books["acknowledged"], books["stored"], books["duplicated"], books["lost"]) == (300, 300, 0, 0)
    assert books["events_in_error"] == 0 and _in_sender_order()


def test_redis_down_for_20_seconds_during_traffic(account, processes, redis_server, settings):
    """Our own redis-server (cache, rate limiter and broker of the web, worker and Celery processes)
    is stopped for 20 s while messages flow. Every signed webhook is still acknowledged; everything
    acknowledged is stored; the first replies whose task publish was lost are finished by the sweep."""
    env = base_env(REDIS_URL=redis_server.url, CELERY_BROKER_URL=redis_server.url)
    web = Gunicorn(env).start()
    processes.append(web)
    processes.append(InboundWorker(env).start())
    celery = WorkerProcess(extra_env={"REDIS_URL": redis_server.url, "CELERY_BROKER_URL": redis_server.url})
    processes.append(celery.start())
    ledger = Ledger()
    provider = Provider(web.port, ledger)
    stop = threading.Event()
    senders = [f"6281400000{n:03d}" for n in range(40)]
    threads = traffic(provider, senders=senders, per_sender=8, threads=4, pace=0.05, stop=stop)
    time.sleep(4)
    redis_server.stop()
    outage_start = len(ledger.acknowledged)
    time.sleep(20)
    acknowledged_during_outage = len(ledger.acknowledged) - outage_start
    redis_server.start()
    for thread in threads:
        thread.join(timeout=120)
    _drained()
    # The beat sweep, run now instead of waiting for its schedule: first replies lost with the broker.
    settings.CURHAT_AUTOACK_SWEEP_AFTER_SECONDS = 0
    waiting = tickets_awaiting_autoack(older_than_seconds=0, limit=1000)
    autoack_sweep_task.apply()
    # A task that did reach the broker may still be finishing in the Celery worker: wait for it.
    wait_for(
        lambda: not tickets_awaiting_autoack(older_than_seconds=0, limit=1000),
        timeout=60,
        message="first replies",
    )
    books = _books("redis-down", ledger)
    books_extra = {
        "acknowledged_during_outage": acknowledged_during_outage,
        "autoack_left_by_outage": len(waiting),
    }
    print(books_extra)
    assert acknowledged_during_outage > 0
    assert books["refused_attempts"] == 0, ledger.statuses
    assert (books["stored"], books["duplicated"], books["lost"]) == (books["acknowledged"], 0, 0)
    assert books["acknowledged"] == books["sent"] == 320
    assert books["events_in_error"] == 0 and _in_sender_order()


def test_database_unreachable_for_20_seconds_during_traffic(account, processes):
    """Web and worker reach PostgreSQL through a proxy that is cut for 20 s: webhooks answer non-200
    meanwhile (the provider retries, as Meta does); everything acknowledged before and after arrives."""
    proxy = TcpProxy().start()
    env = base_env(DATABASE_URL=proxy.database_url(), CURHAT_WEBHOOK_ACCOUNT_MEMORY_SECONDS="0")
    web = Gunicorn(env).start()
    processes.append(web)
    processes.append(InboundWorker(env).start())
    ledger = Ledger()
    provider = Provider(web.port, ledger, retry_delay=1.0)
    senders = [f"6281500000{n:03d}" for n in range(30)]
    threads = traffic(provider, senders=senders, per_sender=8, threads=3, pace=0.05)
    try:
        time.sleep(4)
        proxy.cut()
        before = dict(ledger.statuses)
        time.sleep(3)
        # A page that needs the database says so (503 with Retry-After), not a 500 (found from outside).
        page = http.client.HTTPConnection("127.0.0.1", web.port, timeout=30)
        page.request("GET", "/lacak/" + "x" * 32 + "/")
        page_answer = page.getresponse()
        page_status, page_retry = page_answer.status, page_answer.getheader("Retry-After")
        page.close()
        time.sleep(17)
        refused_during_outage = sum(n for status, n in ledger.statuses.items() if status != 200) - sum(
            n for status, n in before.items() if status != 200
        )
        proxy.restore()
        for thread in threads:
            thread.join(timeout=180)
        _drained(timeout=180)
    finally:
        proxy.stop()
    books = _books("database-down", ledger)
    assert refused_during_outage > 0  # the provider was told to retry, not given a false 200
    assert (page_status, page_retry) == (503, "60")
    assert books["acknowledged"] == books["sent"] == 240
    assert (books["stored"], books["duplicated"], books["lost"]) == (240, 0, 0)
    assert books["events_in_error"] == 0 and _in_sender_order()


def test_one_citizens_concurrent_messages_while_the_acknowledgement_runs(account, processes, redis_server):
    """Bursts from a few citizens at once, two inbound workers and a Celery worker sending the
    auto-acknowledgements (which lock the same tickets): nothing in error, nothing lost, each
    citizen's messages threaded in order, one acknowledgement per ticket."""
    env = base_env(REDIS_URL=redis_server.url, CELERY_BROKER_URL=redis_server.url)
    web = Gunicorn(env, workers=2).start()
    processes.append(web)
    processes.append(InboundWorker(env, batch_size=5).start())
    processes.append(InboundWorker(env, batch_size=5).start())
    processes.append(
        WorkerProcess(
            extra_env={"REDIS_URL": redis_server.url, "CELERY_BROKER_URL": redis_server.url}
        ).start()
    )
    ledger = Ledger()
    provider = Provider(web.port, ledger)
    senders = [f"6281600000{n:03d}" for n in range(4)]
    for thread in traffic(provider, senders=senders, per_sender=40, threads=8):
        thread.join(timeout=120)
    _drained()
    wait_for(
        lambda: not tickets_awaiting_autoack(older_than_seconds=0, limit=100),
        timeout=60,
        message="first replies",
    )
    books = _books("one-citizen-concurrent", ledger)
    assert (books["acknowledged"], books["stored"], books["duplicated"], books["lost"]) == (160, 160, 0, 0)
    assert books["events_in_error"] == 0 and _in_sender_order()
    acks = (
        Message.objects.filter(direction="out", meta__autoack=True).values("ticket").annotate(n=Count("id"))
    )
    assert acks and all(row["n"] == 1 for row in acks)
    assert Ticket.objects.count() == len(senders)
