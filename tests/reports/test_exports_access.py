"""Ticket-level exports (personal data only on request, logged), access rules, CSP-safe pages."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.test import Client
from openpyxl import load_workbook

from officials.models import Escalation
from reports.models import ExportLog
from tests.factories import staff_user
from tests.support import at_wita
from tickets.models import AuditEvent, Contact, ContactIdentity, Department, Official, Ticket, Topic

from .builders import make_tickets

pytestmark = pytest.mark.django_db


@pytest.fixture
def tickets():
    contact = Contact.objects.create(name="Bu Rahma")
    ContactIdentity.objects.create(contact=contact, kind="phone", value="+62811415227")
    topic = Topic.objects.create(code="kk", name="Kartu Keluarga")
    made = make_tickets(
        [(at_wita(2021, 3, 31, 23, 30), "whatsapp"), (at_wita(2021, 4, 1, 0, 30), "phone")],
        contact=contact,
        topic=topic,
        subject='=HYPERLINK("http://evil")',
    )
    Ticket.objects.filter(pk=made[0].pk).update(
        first_response_at=at_wita(2021, 4, 1, 8, 5), status="resolved"
    )
    return made


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_ticket_csv_without_personal_data(admin_client, tickets):
    response = admin_client.post(
        "/laporan/tiket/", {"dari": "2021-03-01", "sampai": "2021-03-31", "format": "csv"}
    )
    assert response.status_code == 200
    rows = _csv(response)
    assert rows[0] == [
        "Nomor tiket",
        "Dibuka (WITA)",
        "Kanal",
        "Topik",
        "Bidang",
        "Status",
        "Respons pertama (WITA)",
        "Selesai (WITA)",
    ]
    assert rows[1:] == [
        [
            tickets[0].reference,
            "2021-03-31 23:30",
            "WhatsApp Chat",
            "Kartu Keluarga",
            "",
            "Selesai",
            "2021-04-01 08:05",
            "",
        ]
    ]
    body = "\n".join(";".join(r) for r in rows)
    assert "Rahma" not in body and "811415227" not in body
    log = ExportLog.objects.get()
    assert (log.what, log.with_personal_data, log.row_count, log.user.username) == (
        "tiket.csv",
        False,
        1,
        "admin1",
    )


def test_ticket_export_with_personal_data_is_logged_and_formula_safe(admin_client, tickets):
    response = admin_client.post(
        "/laporan/tiket/",
        {"dari": "2021-03-01", "sampai": "2021-04-30", "format": "csv", "data_pribadi": "on"},
    )
    rows = _csv(response)
    assert rows[0][-3:] == ["Nama kontak", "Identitas kontak", "Perihal"]
    assert rows[1][-3:] == ["Bu Rahma", "'+62811415227", '\'=HYPERLINK("http://evil")']
    assert len(rows) == 3
    assert ExportLog.objects.get().with_personal_data is True
    # ... and in the project's append-only audit log.
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.actor_name == "admin1"
    assert event.detail["with_personal_data"] is True and event.detail["what"] == "tiket.csv"


def test_ticket_xlsx(admin_client, tickets):
    response = admin_client.post(
        "/laporan/tiket/", {"dari": "2021-01-01", "sampai": "2021-12-31", "format": "xlsx"}
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 3 and rows[2][0] == tickets[1].reference and rows[2][2] == "Telepon"
    assert len(rows[0]) == 8


def test_ticket_export_bad_input_is_400(admin_client):
    assert (
        admin_client.post(
            "/laporan/tiket/", {"dari": "2021-05-01", "sampai": "2021-01-01", "format": "csv"}
        ).status_code
        == 400
    )
    assert (
        admin_client.post(
            "/laporan/tiket/", {"dari": "x", "sampai": "2021-01-01", "format": "pdf"}
        ).status_code
        == 400
    )
    # brk15: the last day of year 9999 has no day after it (OverflowError, a 500): a form error.
    for first, last in (
        ("9999-12-31", "9999-12-31"),
        ("0001-01-01", "0001-01-02"),
        ("2021-01-01", "9999-01-01"),
    ):
        response = admin_client.post("/laporan/tiket/", {"dari": first, "sampai": last, "format": "csv"})
        assert response.status_code == 400 and "jangkauan" in response.content.decode(), (first, last)
    assert not ExportLog.objects.exists()


ADMIN_PAGES = [
    "/laporan/?tahun=2021",
    "/laporan/cetak/?tahun=2021",
    "/laporan/rekap.xlsx?tahun=2021",
    "/laporan/rekap.csv?tahun=2021",
    "/laporan/layanan/?tahun=2021",
    "/laporan/tiket/",
    "/laporan/impor/",
    "/laporan/eskalasi/?tahun=2021",
]


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/masuk/?next=")


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_operator_gets_403(client, url):
    client.force_login(staff_user("operator1", group="operator"))
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_admin_and_superuser_get_in(admin_client, url):
    assert admin_client.get(url).status_code == 200
    superuser = Client()
    superuser.force_login(staff_user("root", superuser=True))
    assert superuser.get(url).status_code == 200


def test_official_sees_only_own_departments_escalations(client, admin_user):
    dafduk = Department.objects.create(code="dafduk", name="Dafduk")
    capil = Department.objects.create(code="capil", name="Capil")
    user = staff_user("kabid", group="official")
    Official.objects.create(user=user).departments.add(dafduk)
    t = make_tickets([(at_wita(2021, 5, 3, 9), "whatsapp")])[0]
    for dept in (dafduk, capil, capil):
        Escalation.objects.create(
            ticket=t,
            department=dept,
            question="?",
            requested_by=admin_user,
            created_at=at_wita(2021, 5, 3, 10),
            due_at=at_wita(2021, 5, 4, 10),
        )
    client.force_login(user)
    body = client.get("/laporan/eskalasi/", {"tahun": "2021"}).content.decode()
    table = body.split('id="escalations"')[1]
    assert "Dafduk" in table and "Capil" not in table
    for url in ADMIN_PAGES:
        if "eskalasi" not in url:
            assert client.get(url).status_code == 403, url


def test_pages_are_csp_safe_and_carry_svg_charts(admin_client):
    make_tickets([(at_wita(2021, 1, 5, 9), "phone"), (at_wita(2021, 2, 5, 9), "sms")])
    for url in ("/laporan/?tahun=2021", "/laporan/cetak/?tahun=2021"):
        response = admin_client.get(url)
        body = response.content.decode()
        csp = response["Content-Security-Policy"]
        assert "style-src 'self'" in csp and "default-src 'self'" in csp
        # The page draws each chart twice (wide, and narrow for phones: issue 16); print once.
        assert body.count("<svg") == (3 if "cetak" in url else 6)
        assert not re.search(r"\sstyle\s*=", body), "inline style attributes are blocked by the CSP"
        assert not re.search(r"<script(?![^>]*\ssrc=)", body), "inline scripts are blocked by the CSP"
        assert "<style" not in body and "http://" not in body.replace(
            'xmlns="http://www.w3.org/2000/svg"', ""
        )
        assert re.search(r"<title>Konsultasi per bulan per kanal, 2021</title>", body)


@pytest.mark.parametrize(
    "url", ["/laporan/?tahun=2021", "/laporan/layanan/?tahun=2021", "/laporan/eskalasi/?tahun=2021"]
)
def test_query_count_does_not_grow_with_data(admin_client, url, django_assert_max_num_queries):
    make_tickets([(at_wita(2021, 1, 5, 9), "phone")])
    admin_client.get(url)
    with django_assert_max_num_queries(15) as few:
        admin_client.get(url)
    make_tickets([(at_wita(2021, m, 5, 9), c) for m in range(1, 13) for c in ("phone", "sms", "email")] * 3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        admin_client.get(url)
