"""The office's 2021 figures, reproduced from tickets, render exactly as the office printed them."""

from __future__ import annotations

import calendar
import datetime as dt
import io
import re
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test import override_settings
from openpyxl import load_workbook

from reports.office_format import MONTH_NAMES, parse_month
from reports.rollup import rollup_differences
from tests.support import at_wita

from .builders import make_tickets, office_figures

pytestmark = pytest.mark.django_db

COLUMNS = ["phone", "whatsapp", "whatsapp_call", "email", "facebook", "website"]
HEADERS = [
    "NO",
    "BULAN",
    "Telepon",
    "Whatsapp Chat",
    "Whatsapp Telepon",
    "Email",
    "Facebook",
    "Website",
    "JUMLAH",
]


def _spread(year: int, month: int, count: int) -> list[dt.datetime]:
    """``count`` instants across the local month: the first at 00:30 WITA on the 1st, the last at
    23:30 WITA on the last day, the rest evenly between."""
    last_day = calendar.monthrange(year, month)[1]
    first, last = at_wita(year, month, 1, 0, 30), at_wita(year, month, last_day, 23, 30)
    if count == 1:
        return [last]
    step = (last - first) / (count - 1)
    return [first + step * i for i in range(count)]


def _office_2021_tickets():
    months = office_figures()["2021"]["months"]
    specs = []
    for label, cells in months.items():
        month = parse_month(label)
        for channel in COLUMNS:
            specs += [(when, channel) for when in _spread(2021, month, cells[channel])]
    tickets = make_tickets(specs)
    # Noise that must not count: just outside the period on both sides (in WITA), and merged
    # duplicates inside it.
    make_tickets([(at_wita(2020, 12, 31, 23, 30), "phone"), (at_wita(2021, 9, 1, 0, 30), "whatsapp")])
    survivor = tickets[0]
    make_tickets(
        [(at_wita(2021, 3, 15, 10), "phone"), (at_wita(2021, 8, 31, 23, 59), "email")], merged_into=survivor
    )
    return months


def _office_table(months: dict) -> list[list[str]]:
    def fmt(n: int) -> str:
        return "-" if n == 0 else f"{n:,}".replace(",", ".")

    rows = [HEADERS]
    for number, (label, cells) in enumerate(months.items(), start=1):
        rows.append([str(number), label, *[fmt(cells[c]) for c in COLUMNS], fmt(cells["total"])])
    totals = office_figures()["2021"]["channel_totals"]
    rows.append(["", "TOTAL", *[fmt(totals[c]) for c in COLUMNS], fmt(totals["total"])])
    return rows


class _TableCells(HTMLParser):
    def __init__(self, table_id: str):
        super().__init__()
        self.table_id, self.inside = table_id, False
        self.rows: list[list[str]] = []
        self.cell: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and dict(attrs).get("id") == self.table_id:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "table" and self.inside:
            self.inside = False
        elif self.inside and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(re.sub(r"\s+", " ", self.cell).strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def table_cells(html: str, table_id: str = "tally-table") -> list[list[str]]:
    parser = _TableCells(table_id)
    parser.feed(html)
    return parser.rows


def test_figures_file_is_consistent():
    data = office_figures()["2021"]
    for label, cells in data["months"].items():
        assert sum(cells[c] for c in COLUMNS) == cells["total"], label
    assert [m for m in data["months"]] == list(MONTH_NAMES[:8])


def test_report_reproduces_the_office_2021_table_cell_for_cell(admin_client):
    months = _office_2021_tickets()
    expected = _office_table(months)
    assert expected[-1][2] == "1.007" and expected[1][4] == "-"

    response = admin_client.get("/laporan/", {"dari": "2021-01", "sampai": "2021-08"})
    assert response.status_code == 200
    assert table_cells(response.content.decode()) == expected
    if connection.vendor == "postgresql":
        # The page read the trigger-maintained rollup: it equals the raw count, and so does the
        # table computed from the tickets directly.
        assert rollup_differences() == []
        with override_settings(CURHAT_TALLY_USE_ROLLUP=False):
            raw = admin_client.get("/laporan/", {"dari": "2021-01", "sampai": "2021-08"})
        assert table_cells(raw.content.decode()) == expected

    printed = admin_client.get("/laporan/cetak/", {"dari": "2021-01", "sampai": "2021-08"})
    assert table_cells(printed.content.decode()) == expected

    xlsx = admin_client.get("/laporan/rekap.xlsx", {"dari": "2021-01", "sampai": "2021-08"})
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [list(r) for r in sheet.iter_rows(min_row=3, max_row=3 + 9, values_only=True)]
    assert values[0] == HEADERS
    for got, want in zip(values[1:], expected[1:], strict=True):
        numbers = [0 if c == "-" else int(c.replace(".", "")) for c in want[2:]]
        assert got[1] == want[1] and list(got[2:]) == numbers
    assert values[-1][1] == "TOTAL" and values[-1][2] == 1007 and values[-1][-1] == 2457
    # The cells print the office's way in Excel too: zero as "-", thousands grouped.
    assert sheet.cell(row=4, column=5).number_format == '#,##0;-#,##0;"-"'

    csv_text = admin_client.get(
        "/laporan/rekap.csv", {"dari": "2021-01", "sampai": "2021-08"}
    ).content.decode()
    lines = [line.split(";") for line in csv_text.lstrip("\ufeff").strip().splitlines()]
    assert lines == expected


def test_whole_year_shows_twelve_months_with_dashes(admin_client):
    _office_2021_tickets()
    rows = table_cells(admin_client.get("/laporan/", {"tahun": "2021"}).content.decode())
    assert [r[1] for r in rows[1:-1]] == list(MONTH_NAMES)
    # SEPTEMBER: only the ticket opened at 00:30 WITA on 1 September (16:30 UTC on 31 August).
    assert rows[9] == ["9", "SEPTEMBER", "-", "1", "-", "-", "-", "-", "1"]
    assert rows[10][2:] == ["-"] * 7
    assert rows[-1][-1] == "2.458"
