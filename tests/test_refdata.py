"""The reference data cache (tickets.refdata): read once, shown afresh after any change made through
the app, within the timeout after one made around it, and read from the database when the cache is
down."""

from __future__ import annotations

import os
import time

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tickets.inbox.selectors import reference
from tickets.models import Department, Topic
from tickets.refdata import GENERATION_KEY
from tickets.reference_data import reference_data_seed

from .factories import staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(db):
    reference_data_seed()


def _queries(function) -> tuple[object, int]:
    with CaptureQueriesContext(connection) as ctx:
        result = function()
    return result, len(ctx.captured_queries)


def test_read_once_then_served_from_the_cache(seeded):
    topics, first = _queries(reference.active_topics)
    again, second = _queries(reference.active_topics)
    assert first == 1 and second == 0
    assert [t.code for t in again] == [t.code for t in topics] and topics
    assert again[0].department is not None  # related objects come along (no query on use)


def test_a_change_through_the_app_shows_at_once(seeded, django_capture_on_commit_callbacks):
    reference.active_topics(), reference.active_departments(), reference.inbox_operators()
    with django_capture_on_commit_callbacks(execute=True):
        Topic.objects.create(
            code="aktivasi-ikd-uji", name="Aktivasi IKD", department=Department.objects.get(code="piak")
        )
        department = Department.objects.get(code="pdip")
        department.is_active = False
        department.save()
    assert "aktivasi-ikd-uji" in [t.code for t in reference.active_topics()]
    assert "pdip" not in [d.code for d in reference.active_departments()]

    user = staff_user("calon-operator")
    assert user not in reference.inbox_operators()
    with django_capture_on_commit_callbacks(execute=True):
        user.groups.add(Group.objects.get(name="operator"))  # a role given in the admin
    assert user in reference.inbox_operators()


def test_a_change_rolled_back_changes_nothing(seeded, django_capture_on_commit_callbacks):
    before = cache.get(GENERATION_KEY)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        Topic.objects.create(code="batal", name="Batal")
    assert callbacks  # the new generation waits for the commit
    assert cache.get(GENERATION_KEY) == before


def test_a_sign_in_is_not_a_change(seeded, client, django_capture_on_commit_callbacks):
    staff_user("op", group="operator")
    reference.inbox_operators()
    before = cache.get(GENERATION_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("login"), {"username": "op", "password": "rahasia-uji-123"})
    assert response.status_code == 302 and "_auth_user_id" in client.session
    assert cache.get(GENERATION_KEY) == before


def test_a_change_around_the_app_shows_when_the_entries_expire(seeded, settings):
    settings.CURHAT_REFDATA_CACHE_SECONDS = 1
    assert "Kartu Keluarga (KK)" in [t.name for t in reference.active_topics()]
    Topic.objects.filter(code="kk").update(name="KK (diubah lewat SQL)")  # no signal
    assert "KK (diubah lewat SQL)" not in [t.name for t in reference.active_topics()]
    time.sleep(1.2)
    assert "KK (diubah lewat SQL)" in [t.name for t in reference.active_topics()]


def _stale_class():
    raise LookupError("App 'officials' doesn't have a 'Department' model.")


class _PickledByAnEarlierRelease:
    """Unpickles as a model that has since moved to another app does: LookupError."""

    def __reduce__(self):
        return (_stale_class, ())


def test_entries_an_earlier_release_cached_are_replaced_not_repeated(seeded, caplog):
    """Found from outside: after the upgrade that moved Department into the core, entries pickled by
    the previous release raised on every read (a warning with a traceback each time, the database
    read every time) until they expired. They are a miss: read once, and replaced."""
    from tickets import refdata as refdata_module

    refdata_module._forget()
    key = f"curhat:refdata:{refdata_module._generation()}:departments"
    cache.set(key, _PickledByAnEarlierRelease(), 300)
    departments = reference.active_departments()
    assert {d.code for d in departments} >= {"capil", "dafduk"}
    assert [d.code for d in cache.get(key)] == [d.code for d in departments]
    assert "unavailable" not in caplog.text


def test_without_a_cache_the_database_answers(seeded):
    # A real Redis client pointed at a port where nothing listens.
    unreachable = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }
    with override_settings(CACHES=unreachable):
        topics, queries = _queries(reference.active_topics)
        again, queries_again = _queries(reference.active_topics)
    assert queries == queries_again == 1
    assert [t.code for t in topics] == [t.code for t in again] and topics


def test_a_change_committed_by_another_process_shows_within_a_second(seeded):
    assert "dari-proses-lain" not in [t.code for t in reference.active_topics()]
    # Another process (a second web worker) saves a topic; its commit moves the shared generation.
    Topic.objects.create(code="dari-proses-lain", name="Dari proses lain")
    cache.incr(GENERATION_KEY)
    time.sleep(1.1)  # this process trusts the generation it read for a second
    topics, queries = _queries(reference.active_topics)
    assert "dari-proses-lain" in [t.code for t in topics] and queries == 1
    assert _queries(reference.active_topics)[1] == 0  # and keeps it in memory again


@pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="needs Redis (runs in the PostgreSQL + Redis pass)"
)
def test_the_redis_cache_keeps_one_client_per_pool():
    """curhat.cache.RedisCache: Django's backend built a Redis client for every call."""
    from django.core.cache import caches

    from curhat.cache import RedisCache

    backend = caches["default"]
    assert isinstance(backend, RedisCache)
    client = backend._cache.get_client(write=True)
    assert backend._cache.get_client(write=True) is client
    backend.set("curhat:test:client", "satu", 30)
    assert backend.get("curhat:test:client") == "satu"
    assert backend._cache.get_client(write=True) is client
