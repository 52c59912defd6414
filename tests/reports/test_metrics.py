"""Service metrics: working-hour medians and P90s in SQL equal the Python reference."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.utils import timezone

from officials.models import Escalation
from reports.aggregates import percentile_cont
from reports.metrics import escalation_metrics, service_metrics
from reports.periods import Period
from reports.selectors import tickets_per_topic, top_topics_per_month
from reports.services import workday_calendar_rebuild
from tests.support import at_wita
from tickets.models import Department, PublicHoliday, Ticket, Topic
from tickets.workcalendar import office_calendar

from .builders import make_tickets

pytestmark = pytest.mark.django_db
H = 3600


@pytest.fixture
def holidays(db):
    PublicHoliday.objects.create(date=dt.date(2021, 8, 17), name="HUT RI")
    workday_calendar_rebuild()


def test_percentile_reference_matches_postgres_definition():
    assert percentile_cont([1, 2, 3, 4], 0.5) == 2.5
    assert percentile_cont([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 0.9) == pytest.approx(91.0)
    assert percentile_cont([5], 0.9) == 5
    assert percentile_cont([], 0.5) is None


def test_known_figures(holidays):
    opened = at_wita(2021, 8, 16, 15)  # Monday 15:00, Tuesday is a holiday
    t1, t2, _unanswered = make_tickets([(opened, "whatsapp")] * 3)
    Ticket.objects.filter(pk=t1.pk).update(
        first_response_at=at_wita(2021, 8, 16, 15, 30), resolved_at=at_wita(2021, 8, 18, 9)
    )
    Ticket.objects.filter(pk=t2.pk).update(
        first_response_at=at_wita(2021, 8, 18, 9), resolved_at=at_wita(2021, 8, 19, 15)
    )
    # t3: no response yet; ignored by the percentiles, counted as a ticket.
    metrics = service_metrics(period=Period.year(2021))
    (row,) = metrics.by_channel
    assert row.channel == "whatsapp" and row.tickets == 3
    # first responses: 0.5 h and 2 h (holiday skipped) → median 1.25, P90 = 0.5 + 0.9 * 1.5 = 1.85
    assert row.first_response_median_h == 1.25
    assert row.first_response_p90_h == 1.85
    # resolutions: 2 h and 1 + 8 + 7 = 16 h
    assert row.resolution_median_h == 9.0
    (monthly,) = metrics.by_month_channel
    assert (monthly.year, monthly.month, monthly.channel) == (2021, 8, "whatsapp")
    assert metrics.overall.tickets == 3


def test_sql_equals_python_reference_on_random_tickets(holidays):
    rng = random.Random(8)
    cal = office_calendar()
    specs, times = [], []
    for _ in range(120):
        opened = at_wita(2021, 7, 20) + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 40))
        first = opened + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 6))
        resolved = (
            first + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 10)) if rng.random() < 0.8 else None
        )
        channel = rng.choice(["whatsapp", "phone", "email"])
        specs.append((opened, channel))
        times.append((first, resolved))
    tickets = make_tickets(specs)
    for ticket, (first, resolved) in zip(tickets, times, strict=True):
        Ticket.objects.filter(pk=ticket.pk).update(first_response_at=first, resolved_at=resolved)
    period = Period(dt.date(2021, 7, 1), dt.date(2021, 9, 30))
    metrics = service_metrics(period=period)
    for row in metrics.by_channel:
        mine = [(t, f, r) for t, (f, r) in zip(tickets, times, strict=True) if t.channel == row.channel]
        first = [cal.working_seconds(t.created_at, f) for t, f, _ in mine]
        res = [cal.working_seconds(t.created_at, r) for t, _, r in mine if r is not None]
        assert row.tickets == len(mine)
        assert row.first_response_median_h == round(percentile_cont(first, 0.5) / H, 2)
        assert row.first_response_p90_h == round(percentile_cont(first, 0.9) / H, 2)
        assert row.resolution_median_h == round(percentile_cont(res, 0.5) / H, 2)
        assert row.resolution_p90_h == round(percentile_cont(res, 0.9) / H, 2)
    assert sum(r.tickets for r in metrics.by_month_channel) == 120


def test_escalations_per_department(holidays, admin_user):
    dafduk = Department.objects.create(
        code="dafduk", name="Pelayanan Pendaftaran Penduduk", short_name="Dafduk"
    )
    capil = Department.objects.create(code="capil", name="Pencatatan Sipil", short_name="Capil")
    t = make_tickets([(at_wita(2021, 8, 2, 9), "whatsapp")])[0]
    asked = at_wita(2021, 8, 16, 10)

    def esc(dept, answered_at, due_at, status=Escalation.Status.ANSWERED):
        return Escalation.objects.create(
            ticket=t,
            department=dept,
            question="?",
            status=status,
            requested_by=admin_user,
            created_at=asked,
            due_at=due_at,
            answered_at=answered_at,
        )

    esc(dafduk, at_wita(2021, 8, 16, 12), at_wita(2021, 8, 16, 14))  # 2 h, on time
    esc(dafduk, at_wita(2021, 8, 18, 10), at_wita(2021, 8, 16, 14))  # 6 + 2 = 8 h (holiday), late
    esc(dafduk, None, at_wita(2021, 8, 16, 14), status=Escalation.Status.OPEN)  # overdue, unanswered
    esc(dafduk, None, at_wita(2021, 8, 16, 14), status=Escalation.Status.CANCELLED)  # not counted
    esc(capil, None, timezone.now() + dt.timedelta(days=3), status=Escalation.Status.OPEN)  # not yet due
    rows = {r.department: r for r in escalation_metrics(period=Period.year(2021))}
    assert set(rows) == {"Dafduk", "Capil"}
    d = rows["Dafduk"]
    assert (d.total, d.answered, d.on_time, d.due_count) == (3, 2, 1, 3)
    assert d.answer_median_h == 5.0
    assert d.on_time_share == 33.3
    c = rows["Capil"]
    assert (c.total, c.answered, c.due_count, c.on_time_share, c.answer_median_h) == (1, 0, 0, None, None)
    only = escalation_metrics(period=Period.year(2021), department_ids=[capil.pk])
    assert [r.department for r in only] == ["Capil"]


def test_topics_and_top_topics_per_month():
    kk = Topic.objects.create(code="kk", name="Kartu Keluarga")
    akta = Topic.objects.create(code="akta", name="Akta kelahiran")
    ktp = Topic.objects.create(code="ktp", name="KTP-el")
    for topic, n, month in [(kk, 3, 1), (akta, 2, 1), (ktp, 1, 1), (ktp, 4, 2), (None, 1, 2)]:
        make_tickets([(at_wita(2021, month, 10, 9), "whatsapp")] * n, topic=topic)
    per_topic = [(t.topic, t.count) for t in tickets_per_topic(period=Period.year(2021))]
    assert per_topic == [("KTP-el", 5), ("Kartu Keluarga", 3), ("Akta kelahiran", 2), ("(tanpa topik)", 1)]
    top = top_topics_per_month(period=Period.year(2021), limit=2)
    assert [(m.label, [(t.topic, t.count) for t in m.top]) for m in top] == [
        ("JANUARI 2021", [("Kartu Keluarga", 3), ("Akta kelahiran", 2)]),
        ("FEBRUARI 2021", [("KTP-el", 4), ("(tanpa topik)", 1)]),
    ]


def test_service_page_renders(admin_client, holidays):
    t = make_tickets([(at_wita(2021, 8, 2, 9), "phone")])[0]
    Ticket.objects.filter(pk=t.pk).update(first_response_at=at_wita(2021, 8, 2, 10))
    response = admin_client.get("/laporan/layanan/", {"tahun": "2021"})
    assert response.status_code == 200
    body = response.content.decode()
    row = body.split('id="service-by-channel"')[1].split("</table>")[0]
    # Indonesian number format: 1 working hour from 09:00 to 10:00.
    assert '<th scope="row">Telepon</th><td>1</td><td>1,0</td>' in row
