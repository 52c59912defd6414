"""Historical tallies: imported from the office's JSON, CSV or XLSX, entered in the admin, and shown
apart from counted tickets."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from openpyxl import Workbook

from reports.models import GROUPED_CHANNEL, OTHER_CHANNEL, HistoricalTally
from reports.periods import Period
from reports.selectors import tally
from tests.support import at_wita

from .builders import OFFICE_JSON, make_tickets, office_figures
from .test_accuracy import table_cells

pytestmark = pytest.mark.django_db


def test_command_imports_the_office_json():
    call_command("import_tallies", str(OFFICE_JSON))
    data = office_figures()
    assert HistoricalTally.objects.filter(imported=False).count() == 0
    t2021 = tally(period=Period.months_between((2021, 1), (2021, 8)), basis="historis")
    assert t2021.grand_total == data["2021"]["channel_totals"]["total"] == 2457
    assert t2021.totals["phone"] == 1007
    t2020 = tally(period=Period.year(2020), basis="historis")
    assert t2020.grand_total == 9970
    assert t2020.totals["whatsapp"] == 9847
    # 2020 gives only a monthly remainder for e-mail+Facebook+website, and their yearly totals: the
    # months keep the remainder together (not guessed apart), the TOTAL row the published split.
    assert t2020.totals["email"] == 23 and t2020.totals["facebook"] == 20 and t2020.totals["website"] == 80
    assert t2020.totals[GROUPED_CHANNEL] == 0
    assert sum(r.counts[GROUPED_CHANNEL] for r in t2020.rows) == 9970 - 9847
    assert "Email/Facebook/Website" in t2020.headers and "Lainnya" not in t2020.headers
    assert OTHER_CHANNEL not in t2020.channels
    total_row = t2020.as_text_rows()[-1]
    assert total_row[t2020.headers.index("Email") : t2020.headers.index("JUMLAH") + 1] == [
        "23",
        "20",
        "80",
        "-",
        "9.970",
    ]
    # The office wrote NOPEMBER.
    assert [r.label for r in t2020.rows][10] == "NOPEMBER"
    assert [r.label for r in t2021.rows][:2] == ["JANUARI", "FEBRUARI"]
    with translation.override("id"):
        notes = tally(period=Period.year(2020), basis="historis").source_notes
    assert any("Laporan inovasi CURHAT ADMINDUK" in n and n.endswith("(2020)") for n in notes), notes
    # The office's file names its source in English; the page shows it in the reader's language
    # (tester, issue 16: an English note on the Indonesian page).
    assert not any("innovation report" in n or "figures as published" in n for n in notes)
    with translation.override("en"):
        notes_en = tally(period=Period.year(2020), basis="historis").source_notes
    assert any(n.startswith("CURHAT ADMINDUK innovation report") for n in notes_en)
    assert any(n.startswith("2020: e-mail/Facebook/website not itemised") for n in notes_en)
    # Importing again replaces, never doubles.
    call_command("import_tallies", str(OFFICE_JSON))
    assert tally(period=Period.year(2020), basis="historis").grand_total == 9970


def test_command_refuses_bad_files(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"2021": {"months": {"JANUARI": {"phone": 5, "total": 3}}}}')
    with pytest.raises(CommandError, match="total"):
        call_command("import_tallies", str(bad))
    with pytest.raises(CommandError):
        call_command("import_tallies", str(tmp_path / "missing.csv"))
    assert not HistoricalTally.objects.exists()


def test_csv_in_the_office_format_with_old_spellings(tmp_path):
    path = tmp_path / "rekap2019.csv"
    path.write_text(
        "NO;BULAN;Telepon;Whatsapp Chat;Whatsapp Telepon;Email;Facebook;Website;JUMLAH\n"
        "1;PEBRUARI;1.007;2;-;0;0;0;1.009\n"
        "2;NOPEMBER;3;-;-;-;-;1;4\n"
        ";TOTAL;1.010;2;-;-;-;1;1.013\n",
        encoding="utf-8",
    )
    call_command("import_tallies", str(path), "--year", "2019", "--source", "Laporan 2019")
    t = tally(period=Period.year(2019), basis="historis")
    assert t.rows[1].counts["phone"] == 1007
    assert t.rows[10].counts["website"] == 1
    assert t.grand_total == 1013
    assert set(HistoricalTally.objects.values_list("source", flat=True)) == {"Laporan 2019"}


def test_csv_with_a_wrong_jumlah_is_refused(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("BULAN,Telepon,JUMLAH\nJANUARI,5,6\n")
    with pytest.raises(CommandError, match="JUMLAH"):
        call_command("import_tallies", str(path), "--year", "2019")


def _xlsx(rows) -> bytes:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_upload_page_imports_xlsx_long_format(admin_client):
    content = _xlsx(
        [["tahun", "bulan", "kanal", "jumlah"], [2019, "Jan", "WhatsApp", 12], [2019, "AGT", "email", 3]]
    )
    response = admin_client.post(
        "/laporan/impor/", {"berkas": SimpleUploadedFile("h.xlsx", content), "sumber": "Arsip"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/laporan/?tahun=2019&sumber=historis"
    rows = {(h.month, h.channel): (h.count, h.imported, h.source) for h in HistoricalTally.objects.all()}
    assert rows == {(1, "whatsapp"): (12, True, "Arsip"), (8, "email"): (3, True, "Arsip")}


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("x.xlsx", b"PK\x03\x04 not really a workbook"),
        ("x.csv", b"nothing useful here\n1,2,3\n"),
        ("x.csv", b"BULAN,Telegram\nJANUARI,4\n"),
        ("x.json", b"{not json"),
        ("x.csv", b""),
    ],
)
def test_upload_page_rejects_bad_files_with_400(admin_client, name, content):
    response = admin_client.post(
        "/laporan/impor/", {"berkas": SimpleUploadedFile(name, content), "tahun": "2019"}
    )
    assert response.status_code == 400
    assert not HistoricalTally.objects.exists()


def test_upload_page_is_for_admins_only(client, django_user_model):
    from tests.factories import staff_user

    client.force_login(staff_user("operator9"))
    response = client.post(
        "/laporan/impor/", {"berkas": SimpleUploadedFile("a.json", OFFICE_JSON.read_bytes())}
    )
    assert response.status_code == 403
    assert not HistoricalTally.objects.exists()


def test_report_keeps_historical_rows_apart_from_counted_ones(admin_client):
    call_command("import_tallies", str(OFFICE_JSON))
    make_tickets([(at_wita(2021, 1, 5, 9), "phone")] * 2)
    body = admin_client.get("/laporan/", {"tahun": "2021"}).content.decode()
    counted = table_cells(body, "tally-table")
    historical = table_cells(body, "historical-table")
    assert counted[1][:3] == ["1", "JANUARI", "2"] and counted[-1][-1] == "2"
    assert historical[1][:3] == ["1", "JANUARI", "147"] and historical[-1][-1] == "2.457"
    assert "angka historis" in body
    combined = table_cells(
        admin_client.get("/laporan/", {"tahun": "2021", "sumber": "gabungan"}).content.decode()
    )
    assert combined[1][2] == "149" and combined[-1][-1] == "2.459"
    assert (
        "gabungan: hitungan sistem + angka historis"
        in admin_client.get("/laporan/", {"tahun": "2021", "sumber": "gabungan"}).content.decode()
    )


def test_admin_entry_and_changelist(client):
    from tests.factories import staff_user

    client.force_login(staff_user("root", superuser=True))
    response = client.post(
        "/admin/reports/historicaltally/add/",
        {"year": 2018, "month": 5, "channel": "whatsapp", "count": 40, "source": "buku agenda"},
    )
    assert response.status_code == 302
    entry = HistoricalTally.objects.get()
    assert (entry.count, entry.imported) == (40, False)
    assert client.get("/admin/reports/historicaltally/").status_code == 200
