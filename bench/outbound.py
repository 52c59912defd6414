"""Outbound relay benchmark: N replies queued at a steady rate, a real Celery worker, the Twilio
stand-in; prints throughput and latency from the reply's commit to the stand-in receiving the request.

Needs PostgreSQL (its own database, created and migrated if missing); the broker is a private
redis-server the bench starts on a free port, so no one else's tasks share its queue:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/curhat_bench_outbound \
        .venv/bin/python bench/outbound.py --replies 300 --rate 20

Each run makes its own account and tickets. The worker keeps its database connections
(DB_CONN_MAX_AGE=60, as in production).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "curhat.settings")


def ensure_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def stamp_commit(stamp: dict[str, float]) -> None:
    """An on-commit callback: the time the reply's transaction committed."""
    stamp.setdefault("at", time.time())


def percentile(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] if len(values) > 1 else values[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replies", type=int, default=300)
    parser.add_argument("--rate", type=float, default=20.0, help="replies committed per second")
    parser.add_argument("--tickets", type=int, default=20, help="citizens the replies go to")
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes")
    parser.add_argument("--warmup", type=int, default=10, help="replies sent first, not measured")
    parser.add_argument("--provider-latency", type=float, default=0.05, help="stand-in answer delay (s)")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("set DATABASE_URL (PostgreSQL)", file=sys.stderr)
        return 2
    ensure_database(os.environ["DATABASE_URL"])
    from tests.standins import RedisServer

    redis = RedisServer().start()
    os.environ["REDIS_URL"] = os.environ["CELERY_BROKER_URL"] = redis.url
    try:
        return run(args)
    finally:
        redis.stop()


def run(args: argparse.Namespace) -> int:

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import transaction

    from channels.models import ChannelAccount
    from tests.factories import inbound
    from tests.standins import ProviderStandIn
    from tests.support import WorkerProcess
    from tickets.ingest import ticket_ingest
    from tickets.models import Message
    from tickets.relay.outbox import message_reply_create

    call_command("migrate", verbosity=0)
    settings.CURHAT_AFTER_INGEST_TASKS = []
    settings.CURHAT_SANDBOX = False

    sid, token = "AC" + "be" * 16, "bench-token"
    standin = ProviderStandIn().start()
    standin.add_twilio_account(sid, token)
    standin.delay = args.provider_latency
    run = str(time.time_ns())[-9:]
    account = ChannelAccount.objects.create(
        slug=f"bench-{run}",
        name="bench",
        channel="whatsapp",
        provider="twilio_whatsapp",
        address="+62811415227",
        secrets={"account_sid": sid, "auth_token": token},
    )
    tickets = [
        ticket_ingest(
            message=inbound(sender=f"+62812{run[-4:]}{i:04d}", provider="twilio_whatsapp"), account=account
        ).ticket
        for i in range(args.tickets)
    ]

    worker = WorkerProcess(
        concurrency=args.concurrency,
        extra_env={
            "CURHAT_SANDBOX": "0",
            "CURHAT_AUTOACK_ENABLED": "0",
            "CURHAT_TWILIO_API_BASE_URL": standin.base_url,
            "LOG_LEVEL": "WARNING",
            "DB_CONN_MAX_AGE": "60",
        },
    ).start()
    committed: dict[str, float] = {}
    ids: list[int] = []
    try:
        # Warm-up: the pool's processes open their database and HTTP connections.
        for i in range(args.warmup):
            message_reply_create(ticket=tickets[i % len(tickets)], author=None, body=f"Pemanasan {run} #{i}")
        standin.wait_for(args.warmup, "twilio", timeout=60)
        standin.reset()
        started = time.monotonic()
        for i in range(args.replies):
            pause = started + i / args.rate - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            with transaction.atomic():
                stamp: dict[str, float] = {}
                # Runs first at commit, before the outbox's enqueue: the clock starts at the commit.
                transaction.on_commit(partial(stamp_commit, stamp))
                message = message_reply_create(
                    ticket=tickets[i % len(tickets)], author=None, body=f"Balasan bench {run} #{i}"
                )
            committed[str(message.idempotency_key)] = stamp["at"]
            ids.append(message.pk)
        offered = time.monotonic() - started
        received = standin.wait_for(args.replies, "twilio", timeout=120 + args.replies / 10)
        timeline = sorted(
            (
                committed[r.headers["i-twilio-idempotency-token"]],
                r.at - committed[r.headers["i-twilio-idempotency-token"]],
            )
            for r in received
            if r.headers.get("i-twilio-idempotency-token") in committed
        )
        latencies = sorted(latency for _at, latency in timeline)
        if os.environ.get("BENCH_TRACE"):
            for at, latency in timeline:
                print(f"{at - timeline[0][0]:7.2f} {latency * 1000:6.0f}")
        first, last = min(committed.values()), max(r.at for r in received)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            sent = Message.objects.filter(pk__in=ids, status="sent").count()
            if sent == len(ids):
                break
            time.sleep(0.2)
    finally:
        worker.stop()
        standin.stop()

    duplicates = len(received) - len({r.headers.get("i-twilio-idempotency-token") for r in received})
    print(
        f"replies            {args.replies} to {args.tickets} tickets, offered at {args.rate:g}/s "
        f"(took {offered:.1f} s to commit), worker concurrency {args.concurrency}, "
        f"stand-in latency {args.provider_latency * 1000:.0f} ms"
    )
    print(
        f"received           {len(received)} requests, {duplicates} duplicates; {sent} marked sent in the database"
    )
    slow = sum(1 for latency in latencies if latency > 0.5)
    print(f"over 500 ms        {slow} of {len(latencies)}")
    print(f"throughput         {len(received) / (last - first):.1f} replies/s (first commit to last receipt)")
    print(
        f"latency commit→provider  p50 {percentile(latencies, 50) * 1000:.0f} ms  "
        f"p95 {percentile(latencies, 95) * 1000:.0f} ms  p99 {percentile(latencies, 99) * 1000:.0f} ms  "
        f"max {latencies[-1] * 1000:.0f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
