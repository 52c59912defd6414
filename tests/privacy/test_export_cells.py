"""Issue 15 item 3: every export escapes formulas and drops what the format cannot hold.

The XLSX files are opened with openpyxl, as a spreadsheet program would read them: a cell whose
text came from a citizen is a string, never a formula, and a control character in a name no longer
turns the export into a 500."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from tests.factories import staff_user
from tests.support import at_wita
from tickets.models import Contact, ContactIdentity, Topic
from tickets.privacy.cells import cell_text

from ..reports.builders import make_tickets

pytestmark = pytest.mark.django_db

EVIL_NAME = '=HYPERLINK("http://evil.example/x","klik")'


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+62811415227", "'+62811415227"),
        ("-2", "'-2"),
        ("-", "-"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Bu\x07 Rahma\x00\x1f", "Bu Rahma"),
        ("\x07=cmd", "'=cmd"),  # stripped first, then escaped: no formula hides behind a BEL
        ("baris\nbaru\tkolom", "baris\nbaru\tkolom"),  # LF and an inner tab are legal
        ("Bu Rahma", "Bu Rahma"),
        (" =1+2", "' =1+2"),  # blanks before the sign: still a formula to a spreadsheet
        ("   +62811", "'   +62811"),
        (" -1", "' -1"),
        ("\n@SUM(A1)", "'\n@SUM(A1)"),
        ("\t =1", "'\t =1"),
        ("\r\n=1", "'\r\n=1"),
        ("\u00a0=1", "'\u00a0=1"),
        ("\u3000=1", "'\u3000=1"),
        ("\uff1d1+2", "'\uff1d1+2"),  # a full-width equals sign
        ("Ani\ufffeX", "AniX"),  # XML 1.0 noncharacters: the workbook would not open (brk15)
        ("Budi\uffffY", "BudiY"),
        ("Cici\ud800Z", "CiciZ"),  # a lone surrogate
        ("\u200b=HYPERLINK(1)", "'\u200b=HYPERLINK(1)"),  # invisible blanks before the sign
        ("\u2000=1+2", "'\u2000=1+2"),
        ("\ufeff=1+2", "'\ufeff=1+2"),
        (" -", " -"),
        ("  ", "  "),
        ("Budi = Andi", "Budi = Andi"),
        (42, 42),
        (None, None),
    ],
)
def test_cell_text(raw, safe):
    assert cell_text(raw) == safe


@pytest.fixture
def admin_client(client):
    client.force_login(staff_user("admin.ekspor", group="admin"))
    return client


@pytest.fixture
def evil_tickets():
    contact = Contact.objects.create(name=EVIL_NAME)
    ContactIdentity.objects.create(contact=contact, kind="phone", value="+62811415227")
    bell = Contact.objects.create(name="Bu\x07 Rahma\x0b")
    spaced = Contact.objects.create(name=" =1+2")
    topic = Topic.objects.create(code="kk", name="Kartu Keluarga")
    a = make_tickets([(at_wita(2021, 3, 5, 9), "whatsapp")], contact=contact, topic=topic, subject="@cmd")
    b = make_tickets([(at_wita(2021, 3, 6, 9), "email")], contact=bell, topic=topic, subject="-\x01x")
    c = make_tickets([(at_wita(2021, 3, 7, 9), "email")], contact=spaced, topic=topic, subject="\t @x")
    return a + b + c


@pytest.mark.parametrize("name", ["Ani\ufffeX", "Budi\uffffY", "Cici\ud800Z"])
def test_a_cell_with_a_noncharacter_still_makes_a_workbook_that_opens(name):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append([cell_text(name)])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    assert load_workbook(buffer).active["A1"].value == name[:-2] + name[-1]


def _export(admin_client, fmt):
    return admin_client.post(
        "/laporan/tiket/",
        {"dari": "2021-03-01", "sampai": "2021-03-31", "format": fmt, "data_pribadi": "on"},
    )


def test_ticket_xlsx_with_personal_data_escapes_formulas_and_control_characters(admin_client, evil_tickets):
    response = _export(admin_client, "xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=2))
    by_ref = {row[0].value: row for row in rows}
    evil, bell = by_ref[evil_tickets[0].reference], by_ref[evil_tickets[1].reference]
    name, identity, subject = evil[-3:]
    for cell in (name, identity, subject):
        assert cell.data_type == "s", (cell.value, cell.data_type)
    assert name.value == "'" + EVIL_NAME
    assert identity.value == "'+62811415227"
    assert subject.value == "'@cmd"
    assert bell[-3].value == "Bu Rahma" and bell[-3].data_type == "s"
    assert bell[-1].value == "'-x"
    spaced = by_ref[evil_tickets[2].reference]
    assert spaced[-3].value == "' =1+2" and spaced[-1].value == "'\t @x"
    assert all(c.data_type != "f" for row in rows for c in row)


def test_ticket_csv_says_the_same_as_the_xlsx(admin_client, evil_tickets):
    response = _export(admin_client, "csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = {r[0]: r for r in csv.reader(io.StringIO(text), delimiter=";")}
    assert rows[evil_tickets[0].reference][-3:] == ["'" + EVIL_NAME, "'+62811415227", "'@cmd"]
    assert rows[evil_tickets[1].reference][-3:] == ["Bu Rahma", "", "'-x"]
    assert rows[evil_tickets[2].reference][-3:] == ["' =1+2", "", "'\t @x"]
