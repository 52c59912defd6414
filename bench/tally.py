"""Benchmark: the yearly tally and the service metrics over 1M and 10M tickets on PostgreSQL.

    .venv/bin/python bench/tally.py                      # 1M, then grow to 10M
    .venv/bin/python bench/tally.py --sizes 1000000      # 1M only
    BENCH_PG=postgres://postgres@127.0.0.1:5432 ...      # server (default shown)

It creates a dedicated database (``curhat_bench``), migrates it, bulk-loads tickets with
``INSERT … SELECT generate_series`` (chronological, as tickets really arrive; 1 % merged, 90 %
answered, 75 % resolved), recounts the rollup once after each load (the trigger is disabled during
the bulk load only), proves rollup == raw count, measures, and drops the database at the end
(``--keep`` keeps it). Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import psycopg
from psycopg.rows import TupleRow

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "curhat_bench"
SPAN_START = "2022-01-01 00:00:00+08"
SPAN_DAYS = 1826  # 2022-01-01 .. 2026-12-31 WITA: five years
YEAR = 2025

T = TypeVar("T")


def server_url() -> str:
    return os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")


def one_value(cursor: psycopg.Cursor[TupleRow]) -> Any:
    """The value of a statement that always gives one row (an aggregate, INSERT … RETURNING)."""
    row = cursor.fetchone()
    assert row is not None
    return row[0]


def admin(sql: str) -> None:
    with psycopg.connect(f"{server_url()}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def create_database() -> str:
    admin(f"DROP DATABASE IF EXISTS {DB_NAME}")
    admin(f"CREATE DATABASE {DB_NAME}")
    url = f"{server_url()}/{DB_NAME}"
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    return url


LOAD_SQL = """
INSERT INTO tickets_ticket (
    id, reference, year, number, contact_id, channel, subject, topic_id, status, merged_into_id,
    tracking_token, created_at, updated_at, last_activity_at, first_response_at, resolved_at
)
SELECT %(base)s + g, 'CA-B-' || g, EXTRACT(YEAR FROM (r.c AT TIME ZONE 'Asia/Makassar'))::int, g, %(contact)s,
       CASE WHEN r.ch < 0.45 THEN 'whatsapp' WHEN r.ch < 0.70 THEN 'phone' WHEN r.ch < 0.88 THEN 'whatsapp_call'
            WHEN r.ch < 0.93 THEN 'website' WHEN r.ch < 0.96 THEN 'facebook' WHEN r.ch < 0.99 THEN 'email'
            ELSE 'sms' END,
       '', (%(topics)s::bigint[])[1 + (g %% array_length(%(topics)s::bigint[], 1))],
       CASE WHEN r.res < 0.75 THEN 'resolved' ELSE 'open' END,
       CASE WHEN g %% 100 = 0 AND g > %(first)s THEN %(base)s + g - 1 END,
       'bench-' || g, r.c, r.c, r.c,
       CASE WHEN r.fr < 0.90 THEN r.c + r.fr * interval '30 hours' END,
       CASE WHEN r.res < 0.75 THEN r.c + r.res * interval '200 hours' END
  FROM (
      -- OFFSET 0 fences keep the planner from inlining these subqueries, so each random() runs
      -- once per row and every reference to r.ch sees the same draw.
      SELECT g, ch, fr, res,
             %(span_start)s::timestamptz
             + ((g - %(first)s)::float8 / %(batch)s) * %(span_days)s * interval '1 day'
             + jitter * interval '1 hour' AS c
        FROM (SELECT g, random() AS ch, random() AS fr, random() AS res, random() AS jitter
                FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS g OFFSET 0) AS r0
      OFFSET 0
  ) AS r
"""


def load(url: str, *, first: int, last: int, chunk: int = 500_000) -> float:
    """Insert tickets numbered first..last (ids equal numbers), chronologically per call."""
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '256MB'")
        # Generated rows reference existing rows by construction: skip the per-row (deferred) FK
        # check triggers, which otherwise dominate a bulk load. Indexes are still maintained.
        conn.execute("SET session_replication_role = replica")
        contact = one_value(
            conn.execute(
                "INSERT INTO tickets_contact (name, created_at, updated_at) VALUES ('Bench', now(), now()) RETURNING id"
            )
        )
        topics = [
            row[0]
            for row in conn.execute(
                "INSERT INTO tickets_topic (code, name, sort_order, is_active) "
                "SELECT 'b' || i || '-' || %s, 'Topik ' || i, i, true FROM generate_series(1, 8) i RETURNING id",
                [first],
            )
        ]
        conn.execute("ALTER TABLE tickets_ticket DISABLE TRIGGER reports_tally_rollup")
        batch = last - first + 1
        # Explicit ids (base + g) so merges can point at the previous ticket of the same load.
        base = one_value(conn.execute("SELECT COALESCE(max(id), 0) FROM tickets_ticket")) + 1 - first
        for start in range(first, last + 1, chunk):
            end = min(start + chunk - 1, last)
            # One chronological pass over the five years for the whole call: chunk by chunk.
            with conn.transaction():
                conn.execute(
                    LOAD_SQL.replace(
                        "%(first)s::bigint, %(last)s::bigint", f"{start}::bigint, {end}::bigint"
                    ),
                    {
                        "base": base,
                        "contact": contact,
                        "topics": topics,
                        "first": first,
                        "last": last,
                        "batch": batch,
                        "span_start": SPAN_START,
                        "span_days": SPAN_DAYS,
                    },
                )
            print(f"  loaded up to {end:,} ({time.perf_counter() - started:.0f} s)", flush=True)
        conn.execute(
            "SELECT setval(pg_get_serial_sequence('tickets_ticket', 'id'), (SELECT max(id) FROM tickets_ticket))"
        )
        conn.execute("ALTER TABLE tickets_ticket ENABLE TRIGGER reports_tally_rollup")
        conn.execute("VACUUM ANALYZE tickets_ticket")
    return time.perf_counter() - started


def timed(fn: Callable[[], T], repeat: int) -> tuple[float, float, T]:
    """Best and median milliseconds of ``repeat`` (at least one) calls, and the last call's result."""
    if repeat < 1:
        raise ValueError("timed() needs at least one call")
    times: list[float] = []
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t) * 1000)
    return min(times), statistics.median(times), result


def measure(size: int, *, repeat: int, rebuild_seconds: float) -> dict:
    from django.db import connection

    from reports import metrics, selectors
    from reports.periods import Period
    from reports.rollup import rollup_differences

    figures: dict = {"size": size, "rollup_rebuild_s": rebuild_seconds}
    t = time.perf_counter()
    differences = rollup_differences()
    figures["rollup_verify_s"] = time.perf_counter() - t
    figures["rollup_equals_raw"] = differences == []
    year = Period.year(YEAR)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM tickets_ticket WHERE merged_into_id IS NULL AND created_at >= %s AND created_at < %s",
            [year.start, year.end],
        )
        figures["tickets_in_year"] = cursor.fetchone()[0]
    selectors.tally(period=year)  # warm the connection and caches
    best, median, result = timed(lambda: selectors.tally(period=year), repeat)
    figures["tally_rollup_ms"] = (best, median)
    figures["channel_totals"] = result.totals
    assert result.grand_total == figures["tickets_in_year"], (result.grand_total, figures["tickets_in_year"])
    best, median, raw = timed(lambda: selectors.tally_cells_raw(year), max(1, repeat // 5))
    figures["tally_raw_ms"] = (best, median)
    assert sum(raw.values()) == figures["tickets_in_year"]
    month = Period.months_between((YEAR, 3), (YEAR, 3))
    best, median, _ = timed(lambda: metrics.service_metrics(period=month), 1)
    figures["service_metrics_month_ms"] = best
    best, median, service = timed(lambda: metrics.service_metrics(period=year), 1)
    figures["service_metrics_year_ms"] = best
    figures["service_overall"] = service.overall
    best, median, _ = timed(lambda: metrics.escalation_metrics(period=year), 1)
    figures["escalation_metrics_year_ms"] = best
    return figures


def trigger_overhead(url: str, *, first: int, count: int) -> dict:
    """Insert ``count`` tickets one statement each with the trigger on, then off; rollup still exact."""
    out = {}
    with psycopg.connect(url, autocommit=True) as conn:
        contact = one_value(conn.execute("SELECT min(id) FROM tickets_contact"))
        sql = (
            "INSERT INTO tickets_ticket (reference, year, number, contact_id, channel, subject, status, tracking_token,"
            " created_at, updated_at, last_activity_at) VALUES (%s, 9999, %s, %s, 'whatsapp', '', 'new', %s,"
            " timestamptz '2025-06-15 10:00+08', now(), now())"
        )
        for label, enabled in (("with_trigger", True), ("without_trigger", False)):
            conn.execute(
                f"ALTER TABLE tickets_ticket {'ENABLE' if enabled else 'DISABLE'} TRIGGER reports_tally_rollup"
            )
            t = time.perf_counter()
            with conn.cursor() as cur:
                for n in range(first, first + count):
                    with conn.transaction():
                        tag = "T1" if enabled else "T0"
                        cur.execute(sql, [f"{tag}-{n}", n if enabled else n + count, contact, f"t-{tag}-{n}"])
            out[f"insert_{label}_us"] = (time.perf_counter() - t) / count * 1e6
        # Remove the untracked half (trigger still off, as when it was inserted) so the rollup is
        # exact again; measure() then proves it against the raw count.
        conn.execute("DELETE FROM tickets_ticket WHERE reference LIKE 'T0-%'")
        conn.execute("ALTER TABLE tickets_ticket ENABLE TRIGGER reports_tally_rollup")
    return out


def report(figures: dict) -> None:
    print(f"\n== {figures['size']:,} tickets ({figures['tickets_in_year']:,} in {YEAR}, counted) ==")
    print(
        f"  yearly tally via rollup : best {figures['tally_rollup_ms'][0]:.2f} ms, median {figures['tally_rollup_ms'][1]:.2f} ms"
    )
    print(
        f"  yearly tally, raw count : best {figures['tally_raw_ms'][0]:.0f} ms, median {figures['tally_raw_ms'][1]:.0f} ms"
    )
    print(
        f"  rollup rebuild          : {figures['rollup_rebuild_s']:.1f} s; verify (full raw compare) {figures['rollup_verify_s']:.1f} s; equal: {figures['rollup_equals_raw']}"
    )
    print(f"  service metrics, 1 month: {figures['service_metrics_month_ms']:.0f} ms")
    print(f"  service metrics, {YEAR}   : {figures['service_metrics_year_ms']:.0f} ms")
    print(f"  escalation metrics, year: {figures['escalation_metrics_year_ms']:.0f} ms")
    print(f"  {YEAR} per channel      : {figures['channel_totals']}")
    o = figures["service_overall"]
    print(
        f"  (overall: {o.tickets:,} tickets, first response median {o.first_response_median_h} h / P90 {o.first_response_p90_h} h)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    url = create_database()
    os.environ["DATABASE_URL"] = url
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "curhat.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    try:
        loaded = 0
        for index, size in enumerate(sizes):
            print(f"loading {size - loaded:,} tickets ...", flush=True)
            seconds = load(url, first=loaded + 1, last=size)
            print(f"  load: {seconds:.0f} s ({(size - loaded) / seconds:,.0f} rows/s)")
            loaded = size
            from reports.rollup import rollup_rebuild

            t = time.perf_counter()
            rollup_rebuild()  # the bulk load ran with the trigger off: recount once
            rebuild_seconds = time.perf_counter() - t
            if index == 0:
                overhead = trigger_overhead(url, first=size + 1, count=2000)
                print(
                    f"  single-row insert: {overhead['insert_with_trigger_us']:.0f} µs with the rollup trigger, "
                    f"{overhead['insert_without_trigger_us']:.0f} µs without"
                )
            figures = measure(size, repeat=args.repeat if index == 0 else 5, rebuild_seconds=rebuild_seconds)
            report(figures)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            admin(f"DROP DATABASE IF EXISTS {DB_NAME}")
            print(f"dropped {DB_NAME}")


if __name__ == "__main__":
    main()
