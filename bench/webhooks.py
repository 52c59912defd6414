"""Benchmark: signed WhatsApp webhooks (Meta and Twilio shapes) through gunicorn on 127.0.0.1
against PostgreSQL, and, in the same run, the floor of this stack (a bare Django view: HMAC over the
body + two inserts in one transaction) for the ratio.

    .venv/bin/python bench/webhooks.py                 # 20 s per case, 1 and 4 connections
    .venv/bin/python bench/webhooks.py --seconds 5     # quicker
    BENCH_PG=postgres://postgres@127.0.0.1:5432 ...    # server (default shown)

It creates its own database (``curhat_bench_webhooks``), migrates it, starts gunicorn (2 sync
workers, settings ``bench.floor_app.settings`` = the app's settings + /floor/), posts webhooks with
distinct senders and message ids from N client threads for a bounded time, and prints rate,
median/p95/p99 latency and the tickets/messages created. Celery tasks go to a Redis database of
the benchmark's own (enqueued on commit as in production; no worker consumes them; purged at the
end). Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import itertools
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import psycopg
from psycopg.rows import TupleRow

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = "curhat_bench_webhooks"
META_SECRET = "bench-app-secret"
TWILIO_TOKEN = "bench-auth-token"
FLOOR_SECRET = b"floor-secret"


def server_url() -> str:
    return os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")


def redis_url() -> str:
    return os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/14")


def admin(sql: str) -> None:
    with psycopg.connect(f"{server_url()}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare_database(url: str) -> None:
    admin(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    admin(f"CREATE DATABASE {DB_NAME}")
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_floor_event (id bigserial PRIMARY KEY, body bytea NOT NULL, "
                     "received_at timestamptz NOT NULL DEFAULT now())")  # fmt: skip
        conn.execute("CREATE TABLE bench_floor_item (id bigserial PRIMARY KEY, "
                     "event_id bigint NOT NULL REFERENCES bench_floor_event(id), size int NOT NULL)")  # fmt: skip
        accounts = [
            ("bench-meta", "meta_whatsapp", "109876543210",
             {"app_secret": META_SECRET, "verify_token": "v", "access_token": "a"}),
            ("bench-twilio", "twilio_whatsapp", "+62811415227", {"auth_token": TWILIO_TOKEN}),
        ]  # fmt: skip
        for slug, provider, address, secrets in accounts:
            conn.execute(
                "INSERT INTO channels_channelaccount (slug, name, channel, provider, address, is_active, "
                "config, secrets, created_at) VALUES (%s, %s, 'whatsapp', %s, %s, true, '{}', %s, now())",
                [slug, slug, provider, address, json.dumps(secrets)],
            )


def _count(cursor: psycopg.Cursor[TupleRow]) -> int:
    """The value of a ``SELECT count(*)`` (always one row)."""
    row = cursor.fetchone()
    assert row is not None
    return row[0]


def counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {
            "tickets": _count(conn.execute("SELECT count(*) FROM tickets_ticket")),
            "messages": _count(conn.execute("SELECT count(*) FROM tickets_message")),
            "events": _count(conn.execute("SELECT count(*) FROM channels_inboundevent")),
            "floor": _count(conn.execute("SELECT count(*) FROM bench_floor_event")),
        }


# --- request builders (distinct senders and message ids) ------------------------------------------
_numbers = itertools.count(1)
_lock = threading.Lock()


def _next_number() -> int:
    with _lock:
        return next(_numbers)


def meta_request(base_url: str) -> tuple[str, bytes, dict[str, str]]:
    n = _next_number()
    wa_id = f"62812{n:08d}"
    body = json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "62811415227", "phone_number_id": "109876543210"},
                "contacts": [{"profile": {"name": f"Warga {n}"}, "wa_id": wa_id}],
                "messages": [{"from": wa_id, "id": f"wamid.BENCH{uuid.uuid4().hex}",
                              "timestamp": str(int(time.time())), "type": "text",
                              "text": {"body": "Selamat pagi, syarat membuat KK baru apa saja?"}}],
            }}]}],
        }
    ).encode()  # fmt: skip
    signature = "sha256=" + hmac.new(META_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return (
        "/webhooks/meta_whatsapp/bench-meta/",
        body,
        {"Content-Type": "application/json", "X-Hub-Signature-256": signature},
    )


def twilio_request(base_url: str) -> tuple[str, bytes, dict[str, str]]:
    from twilio.request_validator import RequestValidator

    n = _next_number()
    sid = "SM" + uuid.uuid4().hex
    number = f"+62813{n:08d}"
    params = {
        "SmsMessageSid": sid, "NumMedia": "0", "ProfileName": f"Warga {n}", "MessageType": "text",
        "SmsSid": sid, "WaId": number[1:], "SmsStatus": "received",
        "Body": "Selamat siang, syarat akta kematian apa saja?", "To": "whatsapp:+62811415227",
        "NumSegments": "1", "ReferralNumMedia": "0", "MessageSid": sid,
        "AccountSid": "AC" + "1" * 32, "From": f"whatsapp:{number}", "ApiVersion": "2010-04-01",
    }  # fmt: skip
    path = "/webhooks/twilio_whatsapp/bench-twilio/"
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(base_url + path, params)
    return (
        path,
        urlencode(params).encode(),
        {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature},
    )


def floor_request(base_url: str) -> tuple[str, bytes, dict[str, str]]:
    _path, body, _headers = meta_request(base_url)
    signature = "sha256=" + hmac.new(FLOOR_SECRET, body, hashlib.sha256).hexdigest()
    return "/floor/", body, {"Content-Type": "application/json", "X-Hub-Signature-256": signature}


BUILDERS = {"meta_whatsapp": meta_request, "twilio_whatsapp": twilio_request, "floor": floor_request}


# --- load -----------------------------------------------------------------------------------------
def run_case(port: int, builder, connections: int, seconds: float) -> dict:
    base_url = f"http://127.0.0.1:{port}"
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    deadline = time.monotonic() + seconds
    result_lock = threading.Lock()

    def client() -> None:
        mine: list[float] = []
        codes: dict[int, int] = {}
        while time.monotonic() < deadline:
            path, body, headers = builder(base_url)
            started = time.perf_counter()
            # gunicorn's sync workers close every connection: a new one per request, as Meta's would be.
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except OSError:
                status = 0
            finally:
                conn.close()
            mine.append(time.perf_counter() - started)
            codes[status] = codes.get(status, 0) + 1
        with result_lock:
            latencies.extend(mine)
            for code, count in codes.items():
                statuses[code] = statuses.get(code, 0) + count

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    latencies.sort()

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000

    return {
        "requests": len(latencies),
        "rate": len(latencies) / elapsed,
        "median": statistics.median(latencies) * 1000,
        "p95": pct(0.95),
        "p99": pct(0.99),
        "errors": sum(count for code, count in statuses.items() if code != 200),
        "statuses": statuses,
    }


def start_gunicorn(url: str, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.floor_app.settings",
        "DATABASE_URL": url,
        "REDIS_URL": redis_url(),
        "DJANGO_DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "CURHAT_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        # The load generator is one address; a provider posts from many. Keep the per-IP cap's cache
        # round trip (a high limit) without tripping it.
        "CURHAT_WEBHOOK_RATE_PER_IP": "1000000/m",
        "CURHAT_DATA_DIR": str(ROOT / "var" / "bench"),
    }
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "curhat.wsgi:application", "--workers", "2",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--backlog", "256"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("gunicorn did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="duration of each case")
    parser.add_argument("--connections", default="1,4", help="concurrency levels, comma-separated")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    levels = [int(level) for level in args.connections.split(",")]

    url = f"{server_url()}/{DB_NAME}"
    prepare_database(url)
    port = free_port()
    gunicorn = start_gunicorn(url, port)
    rows = []
    try:
        for name in ("meta_whatsapp", "twilio_whatsapp", "floor"):
            for connections in levels:
                # A short warm-up so that both workers have imported everything and hold connections.
                run_case(port, BUILDERS[name], connections, 1.0)
                before = counts(url)
                result = run_case(port, BUILDERS[name], connections, args.seconds)
                after = counts(url)
                result.update({key: after[key] - before[key] for key in after})
                rows.append((name, connections, result))
                print(
                    f"{name:16} c={connections}  {result['requests']:6d} req  {result['rate']:7.1f}/s  "
                    f"median {result['median']:6.2f} ms  p95 {result['p95']:6.2f} ms  p99 {result['p99']:6.2f} ms  "
                    f"errors {result['errors']}  tickets +{result['tickets']}  messages +{result['messages']}  "
                    f"events +{result['events']}  floor rows +{result['floor']}",
                    flush=True,
                )
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        gunicorn.wait(timeout=30)
        try:
            import redis

            redis.Redis.from_url(redis_url()).flushdb()
        except Exception as exc:  # cleanup only
            print(f"(could not purge {redis_url()}: {exc})")
        if not args.keep:
            admin(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")

    floor = {connections: result for name, connections, result in rows if name == "floor"}
    print("\nratio to the floor (same gunicorn, same database, same run):")
    for name, connections, result in rows:
        if name == "floor":
            continue
        base = floor[connections]
        print(
            f"{name:16} c={connections}  rate {result['rate'] / base['rate']:5.0%} of floor "
            f"({result['rate']:.1f} vs {base['rate']:.1f}/s)  p99 {result['p99']:.2f} ms vs {base['p99']:.2f} ms"
        )


if __name__ == "__main__":
    main()
