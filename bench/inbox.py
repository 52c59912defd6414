"""Benchmark of the operators' inbox at 1,000,000 tickets (issue 6).

    .venv/bin/python bench/inbox.py [--tickets 1000000] [--runs 30]

Creates a dedicated PostgreSQL database (``BENCH_DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/curhat_bench_inbox``), migrates it, bulk-loads contacts,
identities, tickets and 3-10 messages per ticket with ``INSERT ... SELECT generate_series`` (no
Python loop), rebuilds the indexes (the full-text ones included) and analyzes, then times through Django's test client:
the inbox's default view, a filter, two searches (a name, a phone number), page 200 (keyset
cursor), and a ticket page with 50 messages. Prints median, p95 and the query count of each, then
drops the database. One pass, sized for a shared 2-core machine. The cache is Redis, as in
production (``BENCH_REDIS_URL``, default ``redis://127.0.0.1:6379/14``).
"""

# ruff: noqa: S608  (SQL built from this file's own constants, never from input)
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/curhat_bench_inbox"
TARGET_P95_MS = 50.0

FIRST_NAMES = [
    "Andi",
    "Rahmawati",
    "Budi",
    "Siti",
    "Muhammad",
    "Nur",
    "Hasan",
    "Ayu",
    "Rina",
    "Syamsul",
    "Hasnah",
    "Ahmad",
    "Fatimah",
    "Irwan",
    "Dewi",
    "Sulaeman",
    "Kartini",
    "Baso",
    "Besse",
    "Yusuf",
    "Ani",
    "Rusdi",
    "Halimah",
    "Jufri",
    "Marlina",
    "Amiruddin",
    "Nurhayati",
    "Takdir",
    "Sitti",
    "Arifin",
]
LAST_NAMES = [
    "Saleh",
    "Latif",
    "Hamzah",
    "Daeng",
    "Rauf",
    "Amir",
    "Basri",
    "Mappe",
    "Sultan",
    "Lamba",
    "Hakim",
    "Patta",
    "Nurdin",
    "Yunus",
    "Rahman",
    "Tahir",
    "Jamal",
    "Syarif",
    "Idris",
    "Karim",
    "Malik",
    "Sanusi",
    "Pawellangi",
    "Umar",
    "Ismail",
    "Nasir",
    "Rasyid",
    "Bakri",
    "Ramli",
    "Mustari",
    "Anwar",
]
WORDS = [
    "syarat",
    "kk",
    "baru",
    "akta",
    "kelahiran",
    "kematian",
    "pindah",
    "ktp-el",
    "hilang",
    "rusak",
    "nik",
    "tidak",
    "valid",
    "berapa",
    "lama",
    "proses",
    "bapak",
    "ibu",
    "mohon",
    "info",
    "terima",
    "kasih",
    "datang",
    "kantor",
    "online",
    "anak",
    "kia",
    "cetak",
    "ulang",
    "perubahan",
    "data",
    "bpjs",
    "sudah",
    "belum",
    "jadi",
    "kapan",
    "bisa",
    "diambil",
    "selamat",
    "pagi",
    "siang",
    "sore",
    "surat",
    "pengantar",
]


def _configure(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    # As in production, the cache (sessions, reference data, presence) is Redis.
    os.environ["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "curhat.settings")
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
    # As in production: cached templates, no debug bookkeeping.
    os.environ["DJANGO_DEBUG"] = "0"
    import django

    django.setup()


def _admin_connection(url: str):
    import psycopg

    parsed = urlparse(url)
    admin = parsed._replace(path="/postgres").geturl()
    return psycopg.connect(admin, autocommit=True), parsed.path.lstrip("/")


def _create_database(url: str) -> None:
    conn, name = _admin_connection(url)
    with conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _drop_database(url: str) -> None:
    from django.db import connections

    connections.close_all()
    conn, name = _admin_connection(url)
    with conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _sql_array(values: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _load(tickets: int) -> dict[str, float]:
    """Bulk load in SQL. Ticket i was opened ``i`` minutes-ish after the start of the period; the
    most recent 5% are still being worked on (new/open/waiting/answered), the rest are closed."""
    from django.db import connection

    from tickets.models import Topic
    from tickets.reference_data import reference_data_seed

    reference_data_seed()
    first, last, words = _sql_array(FIRST_NAMES), _sql_array(LAST_NAMES), _sql_array(WORDS)
    topics = list(Topic.objects.order_by("id").values_list("id", "department_id"))
    topic_ids = "ARRAY[" + ",".join(str(t) for t, _d in topics) + "]::bigint[]"
    department_ids = "ARRAY[" + ",".join(str(d) if d else "NULL" for _t, d in topics) + "]::bigint[]"
    open_from = int(tickets * 0.95)
    steps = [
        (
            "contacts",
            f"""
            INSERT INTO tickets_contact (id, name, merged_into_id, created_at, updated_at)
            SELECT i, ({first})[1 + i % {len(FIRST_NAMES)}] || ' ' || ({last})[1 + (i / 7) % {len(LAST_NAMES)}],
                   NULL, now() - interval '3 years' + i * interval '90 seconds', now()
            FROM generate_series(1, {tickets}) AS i
            """,
        ),
        (
            "identities",
            f"""
            INSERT INTO tickets_contactidentity (id, contact_id, kind, value, created_at)
            SELECT i, i, CASE WHEN i % 50 = 0 THEN 'email' ELSE 'phone' END,
                   CASE WHEN i % 50 = 0 THEN 'warga' || i || '@example.id' ELSE '+62812' || lpad(i::text, 8, '0') END,
                   now() - interval '3 years' + i * interval '90 seconds'
            FROM generate_series(1, {tickets}) AS i
            """,
        ),
        (
            "tickets",
            f"""
            INSERT INTO tickets_ticket (id, reference, year, number, contact_id, channel, account_id, subject,
                topic_id, department_id, status, assignee_id, merged_into_id, tracking_token, created_at,
                updated_at, last_activity_at, last_inbound_at, first_response_at, resolved_at, closed_at)
            SELECT i, 'CA-' || y || '-' || lpad(i::text, 7, '0'), y, i, i,
                   CASE WHEN i % 50 = 0 THEN 'email' WHEN i % 97 = 0 THEN 'facebook' WHEN i % 89 = 0 THEN 'website'
                        WHEN i % 83 = 0 THEN 'phone' ELSE 'whatsapp' END,
                   NULL, '', t.topic_id, t.department_id,
                   CASE WHEN i < {open_from} THEN 'closed'
                        ELSE (ARRAY['new','open','waiting_official','answered'])[1 + i % 4] END,
                   NULL, NULL, md5(i::text || 'curhat-bench'), opened, opened + interval '1 hour',
                   opened + (i % 240) * interval '1 minute', opened + (i % 240) * interval '1 minute',
                   opened + interval '20 minutes',
                   CASE WHEN i < {open_from} THEN opened + interval '1 day' END,
                   CASE WHEN i < {open_from} THEN opened + interval '2 days' END
            FROM (SELECT i, now() - interval '3 years' + i * ((interval '3 years') / {tickets}) AS opened,
                         2023 + (i * 3) / ({tickets} + 1) AS y,
                         ({topic_ids})[1 + i % {len(topics)}] AS topic_id,
                         ({department_ids})[1 + i % {len(topics)}] AS department_id
                  FROM generate_series(1, {tickets}) AS i) AS t
            """,
        ),
        (
            "messages",
            f"""
            INSERT INTO tickets_message (ticket_id, direction, kind, channel, account_id, provider,
                provider_message_id, body, author_id, status, error_code, error_text, attempts,
                idempotency_key, meta, created_at, sent_at, delivered_at, read_at)
            SELECT t.id, CASE WHEN n % 2 = 1 THEN 'in' ELSE 'out' END, 'text', t.channel, NULL, '', '',
                   ({words})[1 + (t.id * n) % {len(WORDS)}] || ' ' || ({words})[1 + (t.id + n * 7) % {len(WORDS)}]
                   || ' ' || ({words})[1 + (t.id * 3 + n) % {len(WORDS)}]
                   || CASE WHEN (t.id + n) % 97 = 0 THEN ' kehilangan dompet' ELSE '' END
                   || ' ' || ({words})[1 + (t.id / 3 + n * 11) % {len(WORDS)}],
                   NULL, CASE WHEN n % 2 = 1 THEN 'received' WHEN t.id % 31 = 0 THEN 'failed' ELSE 'delivered' END,
                   '', '', CASE WHEN n % 2 = 1 THEN 0 ELSE 1 END, gen_random_uuid(), '{{}}'::jsonb,
                   t.created_at + n * interval '5 minutes', NULL, NULL, NULL
            FROM tickets_ticket AS t
            CROSS JOIN LATERAL generate_series(1, 3 + t.id % 8) AS n
            """,
        ),
    ]
    timings: dict[str, float] = {}
    tables = ("tickets_contact", "tickets_contactidentity", "tickets_ticket", "tickets_message")
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '256MB'")
        cursor.execute("SET synchronous_commit = off")
        saved = _drop_indexes(cursor, tables)
        # Other apps' row triggers (the reports' tally rollup) are not what this measures, and
        # would turn a bulk load into a million single-row updates.
        for table in tables:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        for name, sql in steps:
            started = time.perf_counter()
            cursor.execute(sql)
            timings[name] = round(time.perf_counter() - started, 1)
            print(f"  loaded {name}: {cursor.rowcount:,} rows in {timings[name]} s", flush=True)
        for table in tables:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        started = time.perf_counter()
        for statement in saved:
            cursor.execute(statement)
        print(f"  indexes and constraints rebuilt in {time.perf_counter() - started:.1f} s", flush=True)
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
    return timings


def _drop_indexes(cursor, tables: tuple[str, ...]) -> list[str]:
    """Drop the tables' secondary indexes, unique and foreign-key constraints (loading into bare
    tables is several times faster); return the statements that put them back."""
    restore: list[str] = []
    for table in tables:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('f', 'u') ORDER BY contype DESC",
            [table],
        )
        constraints = cursor.fetchall()
        for name, definition in constraints:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            restore.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT LIKE '%%_pkey'",
            [table],
        )
        for name, definition in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
            restore.insert(0, definition)
    # Unique constraints first (their indexes back the foreign keys), then the rest.
    return sorted(restore, key=lambda sql: (" FOREIGN KEY " in sql, sql.startswith("CREATE")))


def _search_indexes() -> float:
    """Statistics for the planner. The full-text indexes (the messages' stored vector of migration
    0006, the contacts' name expression) were dropped for the load and rebuilt with the others;
    the search relies on the statistics to tell a common word from a rare one."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return round(time.perf_counter() - started, 1)


def _ticket_with_messages(count: int) -> int:
    from django.db import connection

    from tickets.models import Message, Ticket

    ticket = Ticket.objects.filter(status="open").order_by("-id").first()
    if ticket is None:
        raise RuntimeError("no open ticket in the bench database (load more tickets, or drop --reuse)")
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO tickets_message (ticket_id, direction, kind, channel, provider, provider_message_id,
                body, status, error_code, error_text, attempts, idempotency_key, meta, created_at)
            SELECT %s, CASE WHEN n %% 3 = 0 THEN 'note' WHEN n %% 2 = 0 THEN 'out' ELSE 'in' END, 'text',
                   'whatsapp', '', '', 'pesan nomor ' || n,
                   CASE WHEN n %% 3 = 0 THEN 'received' WHEN n %% 2 = 0 THEN 'delivered' ELSE 'received' END,
                   '', '', 0, gen_random_uuid(), '{}'::jsonb, now() - (60 - n) * interval '1 minute'
            FROM generate_series(1, %s - (SELECT count(*) FROM tickets_message WHERE ticket_id = %s)) AS n
            """,
            [ticket.pk, count, ticket.pk],
        )
    assert Message.objects.filter(ticket=ticket).count() == count
    return ticket.pk


def _office_setup(ticket_id: int) -> None:
    """What a working office has beside its tickets, so the ticket page renders as it does there:
    the knowledge base, staff with officials in every department, channel accounts, 20 canned
    answers; and the timed ticket has an account, an assignee, escalations with their history, a
    topic suggestion and attachments. Idempotent (``--reuse``)."""
    import datetime as dt

    from django.utils import timezone

    from curhat.demo.office import ensure_demo_accounts, ensure_demo_users
    from officials.models import Escalation, EscalationEvent
    from tickets.knowledge.entries import knowledge_seed
    from tickets.models import (
        Attachment,
        CannedAnswer,
        Department,
        KnowledgeEntry,
        Message,
        Official,
        Ticket,
        TopicSuggestion,
    )

    knowledge_seed()
    users = ensure_demo_users()
    accounts = ensure_demo_accounts()
    for n in range(20 - CannedAnswer.objects.count()):
        CannedAnswer.objects.create(
            title=f"Jawaban tersimpan {n + 1}",
            shortcut=f"j{n + 1}",
            body="Selamat pagi {nama}, untuk tiket {nomor_tiket}: silakan bawa KTP-el dan KK asli.",
        )
    ticket = Ticket.objects.get(pk=ticket_id)
    Ticket.objects.filter(pk=ticket_id).update(account=accounts["whatsapp"], assignee=users["operator"])
    if not ticket.escalations.exists():
        now = timezone.now()
        for n, department in enumerate(Department.objects.order_by("id")[:2]):
            official = Official.objects.filter(departments=department).first()
            escalation = Escalation.objects.create(
                ticket=ticket,
                department=department,
                official=official,
                question=f"Pertanyaan nomor {n + 1} untuk pejabat",
                answer="Boleh, dengan surat pernyataan." if n == 0 else "",
                status=Escalation.Status.ANSWERED if n == 0 else Escalation.Status.OPEN,
                requested_by=users["operator"],
                answered_by=official.user if n == 0 and official else None,
                due_at=now + dt.timedelta(days=2),
            )
            EscalationEvent.objects.create(escalation=escalation, kind="created", actor=users["operator"])
    if not Attachment.objects.filter(message__ticket_id=ticket_id).exists():
        inbound = Message.objects.filter(ticket_id=ticket_id, direction="in").order_by("id")[:3]
        for n, message in enumerate(inbound):
            Attachment.objects.create(
                message=message, content_type="image/jpeg", original_name=f"foto-kk-{n}.jpg", size=120_000
            )
    entry = KnowledgeEntry.objects.order_by("id").first()
    if entry and not TopicSuggestion.objects.filter(ticket_id=ticket_id).exists():
        TopicSuggestion.objects.create(
            ticket_id=ticket_id,
            message=Message.objects.filter(ticket_id=ticket_id).order_by("id").first(),
            topic=entry.topic,
            entry=entry,
            confidence=0.8,
        )


def _page_200_cursor(size: int) -> str:
    from tickets.inbox.selectors.listing import cursor_encode
    from tickets.models import Ticket

    tickets = Ticket.objects.filter(merged_into__isnull=True, status__in=Ticket.OPEN_STATUSES)
    offset = min(199 * size - 1, tickets.count() - 1)  # small trial runs have fewer pages
    row = tickets.order_by("-last_activity_at", "-id").values_list("last_activity_at", "id")[offset]
    return cursor_encode(last_activity_at=row[0], ticket_id=row[1])


def _time(client, urls: list[str], runs: int) -> list[dict[str, float]]:
    """Time every URL ``runs`` times, round-robin (one request of each case in turn), so that a
    slow spell of the shared machine falls on all cases alike rather than on whichever ran then."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for url in urls:
        for _ in range(3):  # warm caches and the connection
            assert client.get(url).status_code == 200, url
    samples: list[list[float]] = [[] for _ in urls]
    db_samples: list[list[float]] = [[] for _ in urls]
    queries = [0 for _ in urls]
    for _ in range(runs):
        for n, url in enumerate(urls):
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                response = client.get(url)
                samples[n].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, url
            queries[n] = len(ctx.captured_queries)
            db_samples[n].append(sum(float(q["time"]) for q in ctx.captured_queries) * 1000)
    results = []
    for n in range(len(urls)):
        times, db = sorted(samples[n]), sorted(db_samples[n])
        at = min(len(times) - 1, round(0.95 * len(times)) - 1)
        results.append(
            {
                "median": statistics.median(times),
                "p95": times[at],
                "db_median": statistics.median(db),
                "db_p95": db[at],
                "queries": queries[n],
            }
        )
    return results


def _get_repeatedly(client, url: str, count: int) -> None:
    """``count`` GET requests of ``url`` (what the profiler times)."""
    for _ in range(count):
        client.get(url)


def _report(client, cases: list[tuple[str, str]], runs: int, target_ms: float) -> None:
    """Time the (label, url) cases round-robin and print a line per case and the worst p95."""
    print(f"{'case':40} {'median ms':>10} {'p95 ms':>10} {'SQL med':>9} {'SQL p95':>9} {'queries':>8}")
    results = _time(client, [url for _label, url in cases], runs)
    for (label, _url), result in zip(cases, results, strict=True):
        print(
            f"{label:40} {result['median']:10.1f} {result['p95']:10.1f} {result['db_median']:9.1f} "
            f"{result['db_p95']:9.1f} {result['queries']:8d}",
            flush=True,
        )
    worst = max(result["p95"] for result in results)
    print(f"\nworst p95 {worst:.1f} ms (target < {target_ms:.0f} ms)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="do not drop the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="time a database kept by --keep (no load)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the default view")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    if not args.reuse:
        print(f"creating {urlparse(url).path.lstrip('/')} and loading {args.tickets:,} tickets", flush=True)
        _create_database(url)
    _configure(url)
    try:
        from django.core.management import call_command

        if not args.reuse:
            call_command("migrate", verbosity=0)
            started = time.perf_counter()
            _load(args.tickets)
            print(f"  ANALYZE: {_search_indexes()} s", flush=True)
            print(f"  total load: {time.perf_counter() - started:.0f} s", flush=True)
        from django.test import Client
        from django.urls import include, path, reverse

        from tests.factories import staff_user
        from tickets.models import Message

        _mount_inbox(include, path)
        ticket_id = _ticket_with_messages(50)
        _office_setup(ticket_id)
        from django.contrib.auth import get_user_model

        operator = get_user_model().objects.filter(username="bench-operator").first() or staff_user(
            "bench-operator", group="operator"
        )
        client = Client()
        client.force_login(operator)
        inbox = reverse("inbox:list")
        cases = [
            ("inbox, default view (25)", inbox),
            ("inbox, filter channel=email", inbox + "?channel=email"),
            ("inbox, search name 'rahmawati'", inbox + "?q=rahmawati"),
            ("inbox, search phone '0812-0012-3457'", inbox + "?q=0812-0012-3457"),
            ("inbox, search text 'kehilangan'", inbox + "?q=kehilangan"),
            ("inbox, page 200", inbox + "?cursor=" + _page_200_cursor(25)),
            ("ticket page, 50 messages", reverse("inbox:ticket", args=[ticket_id])),
        ]
        print(f"\nmessages: {Message.objects.count():,}; {args.runs} timed requests per case, round-robin\n")
        _report(client, cases, args.runs, TARGET_P95_MS)
        if args.profile:
            import cProfile
            import pstats

            for label, case_url in (cases[0], cases[-1]):
                profiler = cProfile.Profile()
                profiler.runcall(_get_repeatedly, client, case_url, 10)
                print(f"--- profile: {label} (10 requests)")
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(
                    "work/main/(tickets|officials|templates)", 20
                )
    finally:
        if not args.keep:
            _drop_database(url)
            print("database dropped")
    return 0


def _mount_inbox(include, path) -> None:
    """Mount the inbox for this run if the project's URLs do not yet (tests.inbox.urls does this)."""
    from django.conf import settings
    from django.urls import clear_url_caches

    settings.ROOT_URLCONF = "tests.inbox.urls"
    clear_url_caches()


if __name__ == "__main__":
    raise SystemExit(main())
