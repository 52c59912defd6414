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
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
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


# --- load: wrk (C, epoll), with the requests prepared and signed beforehand ---------------------------
WRK_SCRIPT = r"""
-- One request per line: path, then header name/value pairs, then the body, separated by tabs
-- (read with io.lines: a Lua table literal of tens of thousands of strings exceeds LuaJIT's limits).
local list = {}
for line in io.lines(os.getenv("BENCH_REQUESTS")) do
  local fields = {}
  for field in string.gmatch(line, "[^\t]+") do table.insert(fields, field) end
  local headers = {}
  for i = 2, #fields - 1, 2 do headers[fields[i]] = fields[i + 1] end
  table.insert(list, {fields[1], headers, fields[#fields]})
end
assert(#list > 0, "no requests loaded")
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end
function init(args)
  n = tid
  stride = tonumber(os.getenv("BENCH_THREADS"))
end
function delay()
  return tonumber(os.getenv("BENCH_DELAY_MS") or "0")
end
function request()
  local item = list[(n % #list) + 1]
  n = n + stride
  return wrk.format("POST", item[1], item[2], item[3])
end
function done(summary, latency, requests)
  local out = io.open(os.getenv("BENCH_RESULT"), "w")
  out:write(string.format(
    '{"requests": %d, "seconds": %f, "errors_status": %d, "errors_connect": %d, "errors_read": %d, '
    .. '"errors_timeout": %d, "median": %f, "p95": %f, "p99": %f, "loaded": %d}',
    summary.requests, summary.duration / 1e6, summary.errors.status, summary.errors.connect,
    summary.errors.read, summary.errors.timeout, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, #list))
  out:close()
end
"""


def write_requests(path: Path, builder, base_url: str, count: int) -> None:
    """``count`` distinct, correctly signed requests, one per line (see WRK_SCRIPT)."""
    with path.open("w") as out:
        for _ in range(count):
            url_path, body, headers = builder(base_url)
            fields = [url_path, *(x for pair in headers.items() for x in pair), body.decode()]
            assert not any("\t" in field or "\n" in field for field in fields)
            out.write("\t".join(fields) + "\n")


def run_case(port: int, builder, connections: int, seconds: float, workdir: Path, rate: float = 0) -> dict:
    """wrk -t c -c c for ``seconds`` against prepared requests; the client's own CPU time is measured,
    so the report can show it was not the bottleneck."""
    base_url = f"http://127.0.0.1:{port}"
    requests_path = workdir / "requests.lua"
    # Enough distinct requests that none is sent twice (a redelivery is cheaper than a new message).
    write_requests(requests_path, builder, base_url, int(seconds * 1300 * min(connections, 2)))
    script = workdir / "bench.lua"
    script.write_text(WRK_SCRIPT)
    result_path = workdir / "result.json"
    env = {**os.environ, "BENCH_REQUESTS": str(requests_path), "BENCH_THREADS": str(connections),
           "BENCH_RESULT": str(result_path),
           # --rate: each connection waits so that together they offer about that many per second.
           "BENCH_DELAY_MS": str(int(1000 * connections / rate)) if rate else "0"}  # fmt: skip
    # The client's own CPU in the steady state (after it has loaded its requests): /proc/<pid>/stat
    # between 30 % and 95 % of the run, against the requests it sent meanwhile (at the run's rate).
    proc = subprocess.Popen(
        ["wrk", "-t", str(connections), "-c", str(connections), "-d", f"{seconds:g}s", "--timeout", "10s",
         "-s", str(script), base_url],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    started = time.monotonic()
    time.sleep(seconds * 0.3)
    cpu_a, t_a = _cpu_seconds(proc.pid), time.monotonic()
    time.sleep(max(0.0, started + seconds * 0.95 - time.monotonic()))
    cpu_b, t_b = _cpu_seconds(proc.pid), time.monotonic()
    stdout, stderr = proc.communicate(timeout=seconds + 60)
    if not result_path.exists() or stderr.strip():
        # A script error makes wrk fall back to GET / and measure something else: refuse the figures.
        raise RuntimeError(f"wrk failed: {stdout.decode()[-2000:]} {stderr.decode()[-2000:]}")
    result = json.loads(result_path.read_text())
    result["rate"] = result["requests"] / result["seconds"]
    result["errors"] = sum(
        result[k] for k in ("errors_status", "errors_connect", "errors_read", "errors_timeout")
    )
    steady_cpu = cpu_b - cpu_a
    # What the client could send per second with a core to itself, at its steady-state cost per request.
    result["client_capacity"] = result["rate"] * (t_b - t_a) / steady_cpu if steady_cpu > 0 else float("inf")
    return result


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


class Backlog:
    """Samples the number of waiting events every half second while a case runs."""

    def __init__(self, url: str) -> None:
        self.url, self._stop = url, threading.Event()
        self.samples: list[int] = []
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self._stop.is_set():
                self.samples.append(
                    _count(
                        conn.execute("SELECT count(*) FROM channels_inboundevent WHERE outcome = 'pending'")
                    )
                )
                self._stop.wait(0.5)

    def __enter__(self) -> Backlog:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def drain_and_lag(url: str, since_id: int, timeout: float = 300) -> dict:
    """Wait until every event of the case is applied; then the lag from its 200 (the event's commit,
    ``received_at``) to the message being in the inbox (``processed_at``, set in the worker's
    transaction): p50/p95/p99 in ms, and how long the drain took after the load stopped."""
    started = time.monotonic()
    with psycopg.connect(url, autocommit=True) as conn:
        while True:
            pending = _count(conn.execute(
                "SELECT count(*) FROM channels_inboundevent WHERE outcome = 'pending' AND id > %s", [since_id]
            ))  # fmt: skip
            if not pending or time.monotonic() - started > timeout:
                break
            time.sleep(0.2)
        row = conn.execute(
            "SELECT percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP "
            "(ORDER BY extract(epoch FROM processed_at - received_at)), count(*), "
            "count(*) FILTER (WHERE outcome = 'error') FROM channels_inboundevent "
            "WHERE id > %s AND processed_at IS NOT NULL",
            [since_id],
        ).fetchone()
    assert row is not None
    p50, p95, p99 = (value * 1000 for value in (row[0] or [0, 0, 0]))
    return {"lag_p50": p50, "lag_p95": p95, "lag_p99": p99, "applied": row[1], "in_error": row[2],
            "left_pending": pending, "drain_after_load_s": time.monotonic() - started}  # fmt: skip


def max_event_id(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT coalesce(max(id), 0) FROM channels_inboundevent").fetchone()
    assert row is not None
    return row[0]


def start_inbound_workers(url: str, count: int) -> list[subprocess.Popen]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.floor_app.settings", "DATABASE_URL": url,
           "REDIS_URL": redis_url(), "DJANGO_DEBUG": "0", "LOG_LEVEL": "WARNING",
           "CURHAT_INBOUND_PROCESSING": "queue", "CURHAT_DATA_DIR": str(ROOT / "var" / "bench")}  # fmt: skip
    return [
        subprocess.Popen(
            [sys.executable, "manage.py", "inbound_worker", "--batch-size", "50"],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]


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
        "CURHAT_INBOUND_PROCESSING": "queue",
        "GUNICORN_ACCESS_LOG": "",  # gunicorn.conf.py: no access log (both sides pay it otherwise)
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
    parser.add_argument("--seconds", type=float, default=15.0, help="duration of each case")
    parser.add_argument("--connections", default="1,4", help="concurrency levels, comma-separated")
    parser.add_argument("--workers", type=int, default=1, help="inbound_worker processes draining meanwhile")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--rate", type=float, default=0, help="offer about this many requests/s (default: as fast as served)"
    )
    parser.add_argument("--cases", default="floor,meta_whatsapp,twilio_whatsapp")
    args = parser.parse_args()
    levels = [int(level) for level in args.connections.split(",")]
    print(f"client: {subprocess.run(['wrk', '--version'], capture_output=True, text=True).stdout.splitlines()[0]}"
          f" (C, epoll; requests signed beforehand); server: gunicorn 2 sync workers; "
          f"{args.workers} inbound_worker(s) draining during the load", flush=True)  # fmt: skip

    url = f"{server_url()}/{DB_NAME}"
    prepare_database(url)
    port = free_port()
    gunicorn = start_gunicorn(url, port)
    workers = start_inbound_workers(url, args.workers)
    rows = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            for connections in levels:
                for name in args.cases.split(","):
                    run_case(port, BUILDERS[name], connections, 1.0, workdir)  # warm-up
                    if name != "floor" and args.workers:
                        drain_and_lag(url, 0)
                    since = max_event_id(url)
                    before = counts(url)
                    with Backlog(url) as backlog:
                        result = run_case(port, BUILDERS[name], connections, args.seconds, workdir, args.rate)
                    if name != "floor" and args.workers:
                        result.update(drain_and_lag(url, since))
                        result["backlog_max"] = max(backlog.samples or [0])
                        result["backlog_end"] = (backlog.samples or [0])[-1]
                    after = counts(url)
                    result.update({key: after[key] - before[key] for key in after})
                    rows.append((name, connections, result))
                    line = (f"{name:16} c={connections}  {result['requests']:6d} req  {result['rate']:7.1f}/s  "
                            f"median {result['median']:6.2f} ms  p95 {result['p95']:6.2f} ms  p99 {result['p99']:6.2f} ms"
                            f"  errors {result['errors']}  client {result['client_capacity']:,.0f} req/s per core")  # fmt: skip
                    if name != "floor" and args.workers:
                        line += (f"\n{'':16}      applied {result['applied']} (error {result['in_error']})  "
                                 f"lag p50 {result['lag_p50']:.0f} ms p95 {result['lag_p95']:.0f} ms "
                                 f"p99 {result['lag_p99']:.0f} ms  backlog max {result['backlog_max']} "
                                 f"at end {result['backlog_end']}  drained {result['drain_after_load_s']:.1f} s "
                                 f"after the load")  # fmt: skip
                    print(line, flush=True)
    finally:
        for proc in [gunicorn, *workers]:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in [gunicorn, *workers]:
            proc.wait(timeout=30)
        try:
            import redis

            redis.Redis.from_url(redis_url()).flushdb()
        except Exception as exc:  # cleanup only
            print(f"(could not purge {redis_url()}: {exc})")
        if not args.keep:
            admin(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")

    floor = {connections: result for name, connections, result in rows if name == "floor"}
    if not floor:
        return
    print("\nratio to the floor (same gunicorn, same database, same run; client = wrk):")
    for name, connections, result in rows:
        if name == "floor":
            continue
        base = floor[connections]
        print(
            f"{name:16} c={connections}  rate {result['rate'] / base['rate']:5.0%} of floor "
            f"({result['rate']:.1f} vs {base['rate']:.1f}/s)  p99 {result['p99']:.2f} ms vs {base['p99']:.2f} ms  "
            f"client/floor capacity {base['client_capacity'] / base['rate']:.0f}x"
        )


if __name__ == "__main__":
    main()
