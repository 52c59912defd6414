"""Files the admins download: the tally (XLSX formatted like the office's table, and CSV) and the
ticket-level rows behind it (CSV streamed, XLSX in write-only mode)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from tickets.models import Channel, Ticket
from tickets.privacy.cells import cell_text, cells

from .office_format import format_count
from .periods import report_tz
from .selectors import Tally

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel's own custom format: thousands with the locale's separator, zero printed as "-".
COUNT_FORMAT = '#,##0;-#,##0;"-"'

# What the numbers are counted from: on the pages in the visitor's language (lazy), in the
# office's export (its title, "PERIODE ...") always in Bahasa Indonesia (basis_title_office).
BASIS_TITLES = {
    "sistem": gettext_lazy("dihitung dari tiket"),
    "historis": gettext_lazy("angka historis (impor/isian admin, bukan hitungan sistem)"),
    "gabungan": gettext_lazy("gabungan: hitungan sistem + angka historis"),
}


def basis_title_office(basis: str) -> str:
    with translation.override("id"):
        return str(BASIS_TITLES[basis])


def tally_title(tally: Tally, office_name: str) -> str:
    return (
        f"REKAPITULASI KONSULTASI CURHAT ADMINDUK {office_name.upper()} "
        f"PERIODE {tally.period.label().upper()} ({basis_title_office(tally.basis)})"
    )


def tally_xlsx(tally: Tally, *, office_name: str) -> bytes:
    """One sheet: title, the header row, one row per month, TOTAL; numbers are numbers (so they paste
    and sum), shown the office's way by the cell format."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Rekap"
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    bold = Font(bold=True)
    width = len(tally.headers)
    ws.cell(row=1, column=1, value=cell_text(tally_title(tally, office_name))).font = bold
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    header_row = 3
    for col, text in enumerate(tally.headers, start=1):
        cell = ws.cell(row=header_row, column=col, value=cell_text(text))
        cell.font = bold
        cell.border = border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    r = header_row
    for row in tally.rows:
        r += 1
        values = [
            row.number,
            tally.row_label(row),
            *[row.counts.get(c, 0) for c in tally.channels],
            row.total,
        ]
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=col, value=cell_text(value))
            cell.border = border
            if col >= 3:
                cell.number_format = COUNT_FORMAT
                cell.alignment = Alignment(horizontal="center")
            elif col == 1:
                cell.alignment = Alignment(horizontal="center")
    r += 1
    totals = ["", "TOTAL", *[tally.totals.get(c, 0) for c in tally.channels], tally.grand_total]
    for col, value in enumerate(totals, start=1):
        cell = ws.cell(row=r, column=col, value=value if value != "" else None)
        cell.font = bold
        cell.border = border
        if col >= 3:
            cell.number_format = COUNT_FORMAT
            cell.alignment = Alignment(horizontal="center")
    ws.column_dimensions["A"].width = 5
    ws.column_dimensions["B"].width = 16
    for col in range(3, width + 1):
        ws.column_dimensions[get_column_letter(col)].width = 12
    ws.row_dimensions[header_row].height = 30
    for note_row, note in enumerate(tally.source_notes, start=r + 2):
        ws.cell(row=note_row, column=1, value=cell_text(f"Sumber: {note}"))
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.print_title_rows = f"{header_row}:{header_row}"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def tally_csv(tally: Tally) -> str:
    """The table as printed (text cells: "-" and "1.007"), semicolon-separated for Excel in the
    Indonesian locale."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerows(cells(row) for row in tally.as_text_rows())
    return "\ufeff" + out.getvalue()


# --- Ticket-level ----------------------------------------------------------------------------------
TICKET_HEADERS = [
    "Nomor tiket",
    "Dibuka (WITA)",
    "Kanal",
    "Topik",
    "Bidang",
    "Status",
    "Respons pertama (WITA)",
    "Selesai (WITA)",
]
PERSONAL_HEADERS = ["Nama kontak", "Identitas kontak", "Perihal"]

_CHANNEL_LABELS = {c: str(label) for c, label in Channel.choices}
_STATUS_LABELS = {s: str(label) for s, label in Ticket.Status.choices}


def _local(value) -> str:
    if value is None:
        return ""
    return timezone.localtime(value, report_tz()).strftime("%Y-%m-%d %H:%M")


def ticket_cells(row: tuple) -> list:
    reference, created, channel, topic, department, status, first, resolved, *personal = row
    return [
        reference,
        _local(created),
        _CHANNEL_LABELS.get(channel, channel),
        topic or "",
        department or "",
        _STATUS_LABELS.get(status, status),
        _local(first),
        _local(resolved),
        *[("" if v is None else v) for v in personal],
    ]


class _Echo:
    def write(self, value: str) -> str:
        return value


def tickets_csv_stream(rows: Iterable[tuple], *, with_personal_data: bool) -> Iterator[str]:
    writer = csv.writer(_Echo(), delimiter=";")
    yield "\ufeff" + writer.writerow(TICKET_HEADERS + (PERSONAL_HEADERS if with_personal_data else []))
    for row in rows:
        yield writer.writerow(cells(ticket_cells(row)))


def tickets_xlsx(rows: Iterable[tuple], *, with_personal_data: bool) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Tiket")
    ws.append(TICKET_HEADERS + (PERSONAL_HEADERS if with_personal_data else []))
    for row in rows:
        ws.append(cells(ticket_cells(row)))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def as_text(value: int) -> str:
    return format_count(value)
