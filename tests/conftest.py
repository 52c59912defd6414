"""Shared test fixtures.

The suite runs twice (scripts/test): on SQLite with tasks in-process, and on PostgreSQL + Redis
(``DATABASE_URL``/``REDIS_URL`` set) where tests marked ``worker`` start a real Celery worker process.
"""

from __future__ import annotations

import os

import pytest

from curhat.celery import app as celery_app

from .support import WorkerProcess, set_eager

ON_POSTGRES = bool(os.environ.get("DATABASE_URL", "").startswith("postgres"))
HAS_REDIS = bool(os.environ.get("REDIS_URL"))


def pytest_collection_modifyitems(config, items):
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (runs in the PostgreSQL + Redis pass)")
    skip_worker = pytest.mark.skip(
        reason="needs Redis and a real worker (runs in the PostgreSQL + Redis pass)"
    )
    for item in items:
        if "postgres" in item.keywords and not ON_POSTGRES:
            item.add_marker(skip_pg)
        if "worker" in item.keywords and not (ON_POSTGRES and HAS_REDIS):
            item.add_marker(skip_worker)


@pytest.fixture(autouse=True)
def _tasks_in_process():
    """Unless a test starts a real worker, tasks run in-process (as in the embedded default)."""
    set_eager(True)
    yield
    set_eager(True)


@pytest.fixture(autouse=True)
def _fresh_reference_data():
    """Each test's database starts anew (rolled back), so must the cached reference data
    (tickets.refdata): a new generation, without flushing the cache the broker may share."""
    from tickets.refdata import refdata_changed

    refdata_changed()


@pytest.fixture(autouse=True)
def _inbound_inline(settings):
    """Webhooks apply their event in-process right after the commit (the embedded default), so a
    test sees the ticket as soon as the response is back; queue tests switch to "queue". Accounts
    remembered by the webhook belong to an earlier test's (rolled back) database: forget them."""
    from channels.webhooks import accounts_forget

    settings.CURHAT_INBOUND_PROCESSING = "inline"
    accounts_forget()
    yield
    accounts_forget()


@pytest.fixture(autouse=True)
def _fresh_ratelimit_cache():
    """Rate-limit counters live in the "ratelimit" cache; in-memory on SQLite, so start each test
    without an earlier test's counts (on Redis the tests that need it flush the shared database)."""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    backend = caches["ratelimit"]
    if isinstance(backend, LocMemCache):
        backend.clear()


@pytest.fixture(autouse=True)
def _isolated_uploads(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"


@pytest.fixture
def purge_broker():
    """Drop tasks a previous test left in the broker (their rows are gone with the flushed database)."""
    celery_app.control.purge()


@pytest.fixture
def celery_worker(transactional_db, purge_broker):
    """Start a real worker (PostgreSQL + Redis pass only); tasks go through the broker meanwhile."""
    set_eager(False)
    worker = WorkerProcess().start()
    yield worker
    worker.stop()
    set_eager(True)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _generous_public_rate_limits(settings):
    """The suite views tracking pages and posts webhooks far faster than any citizen or provider from
    one address; tests of the limits themselves set them low."""
    settings.CURHAT_TRACKING_RATE_PER_IP = "100000/m"
    settings.CURHAT_WEBHOOK_RATE_PER_IP = "100000/m"
