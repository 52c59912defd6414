"""Benchmark of the REST API's ticket list at 1,000,000 tickets (issue 10).

    .venv/bin/python bench/api.py [--tickets 1000000] [--runs 30]

Uses the inbox benchmark's loader (``bench/inbox.py``: a dedicated PostgreSQL database,
``BENCH_DATABASE_URL``, bulk-loaded with INSERT ... SELECT generate_series, indexes rebuilt and analyzed), then
times ``GET /api/v1/tickets/`` through Django's test client with token authentication: the default
page, a filter, a search, and a deep cursor page (the 200th, reached by following ``next`` links).
Prints median, p95 and the query count of each, then drops the database.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from inbox import (  # noqa: E402  (the loader lives with the inbox benchmark)
    _configure,
    _create_database,
    _drop_database,
    _load,
    _report,
    _search_indexes,
)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/curhat_bench_api"
TARGET_P95_MS = 100.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="do not drop the database afterwards")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    print(f"creating {urlparse(url).path.lstrip('/')} and loading {args.tickets:,} tickets", flush=True)
    _create_database(url)
    _configure(url)
    try:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        _load(args.tickets)
        print(f"  ANALYZE: {_search_indexes()} s", flush=True)
        print(f"  total load: {time.perf_counter() - started:.0f} s", flush=True)

        from rest_framework.authtoken.models import Token
        from rest_framework.test import APIClient

        from tests.factories import staff_user

        operator = staff_user("bench-api", group="operator")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=operator).key}")
        base = "/api/v1/tickets/"
        deep, pages = base, 1
        while pages < 200:  # small trial loads have fewer pages: the deepest one then
            following = client.get(deep).json()["next"]
            if not following:
                break
            deep, pages = following.replace("http://testserver", ""), pages + 1
        cases = [
            ("api tickets, default page (25)", base),
            ("api tickets, filter channel=email", base + "?channel=email"),
            ("api tickets, search 'rahmawati'", base + "?q=rahmawati"),
            (f"api tickets, page {pages} (cursor)", deep),
        ]
        print(f"\n{args.runs} timed requests per case, round-robin\n")
        _report(client, cases, args.runs, TARGET_P95_MS)
    finally:
        if not args.keep:
            _drop_database(url)
            print("database dropped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
