"""Smaller holes (issue #15, item 8), each a deterministic regression test: archive entry names, the
demo seeder in production, the public form's body cap, NUL and forged cursors, dates at the edge."""

from __future__ import annotations

import base64
import io
import subprocess
import sys
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from tests.factories import inbound, staff_user
from tests.support import ROOT
from tests.test_settings import PRODUCTION_ENV, _clean_env
from tickets.ingest import ticket_ingest
from tickets.models import Attachment, Message
from tickets.privacy.archive import safe_entry_name
from tickets.privacy.subjects import SubjectQuery, subject_contacts, subject_export
from tickets.reference_data import reference_data_seed

# --- archive entry names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../../../etc/cron.d/evil.png", "etc-cron.d-evil.png"),
        ("/etc/passwd", "etc-passwd"),
        ("C:\\Windows\\system32\\evil.dll", "C-Windows-system32-evil.dll"),
        ("..", "berkas"),
        ("", "berkas"),
        ("akta kelahiran.pdf", "akta kelahiran.pdf"),
        ("a\x00b\x07c.png", "abc.png"),
        ("....//..//x", "x"),
    ],
)
def test_safe_entry_name(name, expected):
    assert safe_entry_name(name) == expected


@pytest.mark.django_db
def test_the_subject_zip_has_no_entry_outside_its_folder():
    reference_data_seed()
    ticket = ticket_ingest(message=inbound(sender="081299990001", text="Lampiran")).ticket
    message = Message.objects.get(ticket=ticket)
    attachment = Attachment.objects.create(
        message=message,
        original_name="../../../../etc/cron.d/evil.png",
        content_type="image/png",
        download_status=Attachment.DownloadStatus.STORED,
    )
    attachment.file.save("evil.png", ContentFile(b"\x89PNG"), save=True)
    admin = staff_user("adm", group="admin")
    archive = zipfile.ZipFile(
        io.BytesIO(
            subject_export(contacts=subject_contacts(query=SubjectQuery(phone="081299990001")), actor=admin)
        )
    )
    names = archive.namelist()
    assert f"lampiran/{attachment.pk}-etc-cron.d-evil.png" in names
    for name in names:
        assert ".." not in name.split("/") and not name.startswith(("/", "\\")) and "\\" not in name, name


# --- seed_demo and the secret key in production ---------------------------------------------------------


def test_seed_demo_refuses_to_run_in_production(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "seed_demo"],
        cwd=ROOT,
        env=_clean_env(CURHAT_DATA_DIR=str(tmp_path), **PRODUCTION_ENV),
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "CURHAT_PRODUCTION=1" in result.stderr and "seed_demo" in result.stderr


# --- the public form's body cap ---------------------------------------------------------------------------


class CountingStream:
    """A request body that counts what is read from it (and has nothing to give)."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        chunk = b"x" * (65536 if size is None or size < 0 else min(size, 65536))
        self.read_bytes += len(chunk)
        return chunk

    def readline(self, size: int = -1) -> bytes:
        return self.read(size)


@pytest.mark.django_db
def test_the_public_form_refuses_an_oversized_body_before_reading_it(client):
    reference_data_seed()
    body = CountingStream()
    response = client.generic(
        "POST",
        reverse("public:ask"),
        b"",
        content_type="multipart/form-data; boundary=----batas",
        **{"CONTENT_LENGTH": str(30 * 1024 * 1024), "wsgi.input": body},
    )
    assert response.status_code == 413
    assert "terlalu besar" in response.content.decode()
    assert body.read_bytes == 0


@pytest.mark.django_db
def test_the_public_form_still_takes_a_normal_question(client):
    reference_data_seed()
    assert client.get(reverse("public:ask")).status_code == 200
    response = client.post(reverse("public:ask"), {"name": "Andi"})
    assert response.status_code == 400  # a form error, not the size refusal
    assert "terlalu besar" not in response.content.decode()


# --- NUL, forged cursors, dates at the edge ------------------------------------------------------------


@pytest.fixture
def operator_client(client):
    reference_data_seed()
    client.force_login(staff_user("op", group="operator"))
    return client


@pytest.mark.django_db
def test_nul_in_canned_answer_search_is_a_400(operator_client):
    ticket = ticket_ingest(message=inbound(sender="081299990002")).ticket
    assert operator_client.get(f"/inbox/tiket/{ticket.pk}/jawaban/", {"q": "\x00"}).status_code == 400
    assert operator_client.get("/api/v1/canned-answers/", {"q": "\x00"}).status_code == 400
    assert operator_client.get(f"/inbox/tiket/{ticket.pk}/jawaban/", {"q": "kk"}).status_code == 200


def _cursor(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/v1/escalations/", "/api/v1/tickets/", "/api/v1/contacts/"])
@pytest.mark.parametrize(
    "cursor",
    [_cursor("p=\x00"), _cursor("o=-1&p=x"), _cursor("r=1&p=2026-13-45"), _cursor("p=" + "9" * 400)],
)
def test_a_forged_cursor_is_a_400(operator_client, url, cursor):
    response = operator_client.get(url, {"cursor": cursor})
    assert response.status_code == 400, response.content


@pytest.mark.django_db
@pytest.mark.parametrize(
    "position",
    [
        "2026-01-01T00:00:00+20:00",  # Python takes offsets up to 23:59, PostgreSQL only up to 15:59
        "2026-01-01T00:00:00-23:59",
        "2026-01-01T00:00:00+15:30",
        "0001-01-01T00:00:00+05:00",  # before year 1 in UTC
        "9999-12-31T23:59:59-05:00",  # after year 9999 in UTC
    ],
)
def test_a_cursor_time_out_of_range_is_a_400_with_its_reason(operator_client, position):
    """Regression (PostgreSQL answered 500: "time zone displacement out of range"): each cursor
    endpoint ordered by a time (escalations by due time, tickets by last activity, a ticket's
    messages by creation), with rows so that the query runs past the first page."""
    ticket = ticket_ingest(message=inbound(sender="081299990003")).ticket
    for url in ("/api/v1/escalations/", "/api/v1/tickets/", f"/api/v1/tickets/{ticket.pk}/messages/"):
        for reverse_flag in ("0", "1"):
            cursor = _cursor(f"r={reverse_flag}&p={position}")
            response = operator_client.get(url, {"cursor": cursor})
            assert response.status_code == 400, (url, position, response.content)
            assert "kursor tidak valid" in str(response.json()["cursor"])


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/inbox/", "/api/v1/tickets/"])
@pytest.mark.parametrize("param", ["date_from", "date_to"])
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31"])
def test_a_date_at_the_edge_is_a_400_or_an_empty_page(operator_client, url, param, day):
    response = operator_client.get(url, {param: day})
    assert response.status_code in (200, 400)
    if response.status_code == 200 and url.startswith("/api/"):
        assert response.json()["results"] == [] or param == "date_to"
