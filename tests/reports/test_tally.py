"""The tally counts tickets by local (WITA) month and channel, in SQL, whatever the time zones."""

from __future__ import annotations

import datetime as dt
import os
import time

import pytest
from django.db import connection

from reports.models import TallyRollup
from reports.periods import Period, period_from_params
from reports.rollup import rollup_differences, rollup_rebuild
from reports.selectors import tally, tally_cells_raw
from tests.conftest import ON_POSTGRES
from tests.support import at_wita
from tickets.models import Ticket

from .builders import make_tickets

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def _boundary_tickets():
    return make_tickets(
        [
            (at_wita(2021, 3, 31, 23, 30), "phone"),  # 15:30 UTC: March in WITA
            (at_wita(2021, 4, 1, 0, 30), "phone"),  # 16:30 UTC on 31 March: April in WITA
            (dt.datetime(2021, 3, 31, 16, 0, tzinfo=UTC), "whatsapp"),  # exactly 00:00 WITA 1 April
            (dt.datetime(2021, 3, 31, 15, 59, 59, tzinfo=UTC), "whatsapp"),  # 23:59:59 WITA 31 March
            (at_wita(2021, 12, 31, 23, 59), "sms"),
            (at_wita(2022, 1, 1, 0, 0), "sms"),
        ]
    )


def _cells(t):
    return {(r.month, c): n for r in t.rows for c, n in r.counts.items() if n}


def test_local_month_boundaries():
    _boundary_tickets()
    t = tally(period=Period.year(2021))
    assert _cells(t) == {
        (3, "phone"): 1,
        (3, "whatsapp"): 1,
        (4, "phone"): 1,
        (4, "whatsapp"): 1,
        (12, "sms"): 1,
    }
    assert t.grand_total == 5
    # SMS is in use: it gets its own column after the office's six.
    assert t.channels == ["phone", "whatsapp", "whatsapp_call", "email", "facebook", "website", "sms"]
    assert t.headers[-2:] == ["SMS", "JUMLAH"]


def test_merged_tickets_count_once():
    survivor, other = make_tickets(
        [(at_wita(2021, 5, 2, 9), "whatsapp"), (at_wita(2021, 5, 3, 9), "whatsapp")]
    )
    Ticket.objects.filter(pk=other.pk).update(merged_into=survivor)
    assert tally(period=Period.year(2021)).grand_total == 1
    Ticket.objects.filter(pk=other.pk).update(merged_into=None)  # unmerged again: counts again
    assert tally(period=Period.year(2021)).grand_total == 2


def test_date_range_rows_and_partial_months():
    make_tickets(
        [
            (at_wita(2021, 1, 10, 9), "email"),
            (at_wita(2021, 2, 20, 9), "email"),
            (at_wita(2021, 3, 1, 9), "email"),
        ]
    )
    period = period_from_params({"dari": "2021-01-15", "sampai": "2021-03-01"})
    t = tally(period=period)
    assert [r.label for r in t.rows] == ["JANUARI", "FEBRUARI", "MARET"]
    assert [r.total for r in t.rows] == [0, 1, 1]
    assert not period.whole_months
    assert period_from_params({"dari": "2021-01", "sampai": "2021-08"}).whole_months


@pytest.mark.parametrize(
    "params",
    [{"tahun": "abc"}, {"dari": "2021-05"}, {"dari": "2021-05", "sampai": "2021-01"}, {"tahun": "1800"}],
)
def test_bad_periods_are_rejected(params, admin_client):
    with pytest.raises(ValueError):
        period_from_params(params)
    assert admin_client.get("/laporan/", params).status_code == 400


def test_unknown_basis_is_400(admin_client):
    assert admin_client.get("/laporan/", {"tahun": "2021", "sumber": "x"}).status_code == 400


def test_server_time_zone_does_not_matter(monkeypatch):
    """The process' own zone (TZ) is irrelevant: months come from the configured WITA zone."""
    _boundary_tickets()
    expected = _cells(tally(period=Period.year(2021)))
    for zone in ("America/Los_Angeles", "Pacific/Kiritimati"):
        monkeypatch.setenv("TZ", zone)
        time.tzset()
        try:
            assert _cells(tally(period=Period.year(2021))) == expected
        finally:
            monkeypatch.delenv("TZ")
            time.tzset()
    assert os.environ.get("TZ") is None


@pytest.mark.postgres
@pytest.mark.parametrize("session_zone", ["UTC", "America/Los_Angeles", "Asia/Tokyo"])
def test_database_session_time_zone_does_not_matter(session_zone):
    _boundary_tickets()
    with connection.cursor() as cursor:
        cursor.execute(f"SET TIME ZONE '{session_zone}'")
    try:
        raw = tally_cells_raw(Period.year(2021))
        assert raw == {
            (2021, 3, "phone"): 1,
            (2021, 3, "whatsapp"): 1,
            (2021, 4, "phone"): 1,
            (2021, 4, "whatsapp"): 1,
            (2021, 12, "sms"): 1,
        }
        assert rollup_differences() == []
        assert _cells(tally(period=Period.year(2021))) == {(m, c): n for (_, m, c), n in raw.items()}
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'UTC'")


@pytest.mark.postgres
def test_rollup_follows_every_kind_of_write():
    a, b, c = make_tickets(
        [
            (at_wita(2021, 6, 30, 23, 30), "phone"),
            (at_wita(2021, 7, 1, 0, 30), "phone"),
            (at_wita(2021, 7, 2, 8), "email"),
        ]
    )
    assert rollup_differences() == []
    Ticket.objects.filter(pk=b.pk).update(merged_into=a)  # merge
    Ticket.objects.filter(pk=c.pk).update(channel="website")  # reclassified
    Ticket.objects.filter(pk=a.pk).update(created_at=at_wita(2021, 8, 1, 1))  # moved month
    assert rollup_differences() == []
    Ticket.objects.filter(pk=c.pk).delete()
    Ticket.objects.filter(pk=b.pk).update(merged_into=None)
    assert rollup_differences() == []
    rolled = dict(((r.month, r.channel), r.count) for r in TallyRollup.objects.filter(count__gt=0))
    assert rolled == {(dt.date(2021, 7, 1), "phone"): 1, (dt.date(2021, 8, 1), "phone"): 1}
    # The rollup is what the tally reads for whole months; a corrupted rollup would show (and the
    # verify command catches it), a rebuild repairs it.
    TallyRollup.objects.update(count=99)
    assert rollup_differences() != []
    rollup_rebuild()
    assert rollup_differences() == []


@pytest.mark.postgres
def test_rollup_verify_command():
    from django.core.management import call_command
    from django.core.management.base import CommandError

    make_tickets([(at_wita(2021, 1, 5, 9), "phone")])
    call_command("tally_rollup", "--verify")
    TallyRollup.objects.update(count=5)
    with pytest.raises(CommandError):
        call_command("tally_rollup", "--verify")


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite pass: no rollup there")
def test_sqlite_counts_tickets_directly():
    _boundary_tickets()
    assert not TallyRollup.objects.exists()
    assert tally(period=Period.year(2021)).grand_total == 5


# --- one language per page (tester, issue 16) ------------------------------------------------------

BAD_API_PARAMS = [
    {"from": "2021-05", "to": "2021-01"},  # "period ends before it starts" in English
    {"from": "2021-05-xx", "to": "2021-06"},  # Python's "Invalid isoformat string"
    {"from": "2021-13", "to": "2021-14"},
    {"from": "2021-01"},
    {"year": "abc"},
    {"year": "2021", "basis": "x"},
    {"from": "1990-01", "to": "1990-02"},
]


@pytest.mark.parametrize("params", BAD_API_PARAMS)
def test_the_tally_api_errors_speak_the_readers_language(params, admin_client):
    indonesian = admin_client.get("/api/v1/reports/tally/", params, HTTP_ACCEPT_LANGUAGE="id")
    assert indonesian.status_code == 400
    text_id = indonesian.content.decode()
    for english in ("period", "before", "Invalid", "isoformat", "literal", "choose"):
        assert english not in text_id.split(":", 1)[1], (params, text_id)
    admin_client.post("/i18n/setlang/", {"language": "en", "next": "/laporan/"})
    english_reply = admin_client.get("/api/v1/reports/tally/", params)
    assert english_reply.status_code == 400
    text_en = english_reply.content.decode()
    for indonesian_word in ("tahun", "tanggal", "bulan", "pilih", "rentang", "isi "):
        assert indonesian_word not in text_en.split(":", 1)[1], (params, text_en)
    admin_client.post("/i18n/setlang/", {"language": "id", "next": "/laporan/"})
