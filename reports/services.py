"""Writes for the reports: importing historical tallies, rebuilding the working-day calendar, and
logging exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from tickets.models import Channel, WorkDay
from tickets.refdata import refdata_changed
from tickets.workcalendar import holiday_dates, office_calendar, workday_rows

from .models import (
    GROUPED_CHANNEL,
    GROUPED_PARTS,
    OTHER_CHANNEL,
    ExportLog,
    HistoricalTally,
    HistoricalYearTotal,
)
from .office_format import OFFICE_CHANNEL_LABELS, month_name, parse_month

MAX_IMPORT_ROWS = 5000


class ImportError_(ValueError):
    """The file cannot be imported; the message says why (shown to the admin)."""


@dataclass(frozen=True)
class Figure:
    """One published number: a month's count for a channel, or (``month == 0``) the year's total
    for a channel its monthly rows do not split (stored as a HistoricalYearTotal)."""

    year: int
    month: int
    channel: str
    count: int
    source: str = ""
    month_label: str = ""  # the month as the source wrote it, when not the standard spelling


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    figures: list[Figure] = field(default_factory=list)


# Header spellings → channel code. Office labels, our codes and common variants.
_CHANNEL_HEADERS: dict[str, str] = {}
for _code, _label in OFFICE_CHANNEL_LABELS.items():
    _CHANNEL_HEADERS[_label.lower()] = _code
    _CHANNEL_HEADERS[_code] = _code
for _code, _choice_label in Channel.choices:
    _CHANNEL_HEADERS[str(_choice_label).lower()] = _code
_CHANNEL_HEADERS.update(
    {
        "whatsapp": "whatsapp",
        "wa": "whatsapp",
        "wa chat": "whatsapp",
        "whatsapp call": "whatsapp_call",
        "wa telepon": "whatsapp_call",
        "telp": "phone",
        "telepon": "phone",
        "phone": "phone",
        "e-mail": "email",
        "fb": "facebook",
        "web": "website",
        "lainnya": OTHER_CHANNEL,
    }
)
_SKIP_HEADERS = {"no", "no.", "nomor", "bulan", "month", "jumlah", "total", "tahun", "year"}


def _channel_from_header(header: str) -> str | None:
    return _CHANNEL_HEADERS.get(" ".join(str(header).strip().lower().split()))


def _to_count(value, where: str) -> int:
    if value is None:
        return 0
    if isinstance(value, int | float):
        number = int(value)
        if number != value:
            raise ImportError_(f"{where}: bukan bilangan bulat ({value})")
    else:
        text = str(value).strip()
        if text in {"", "-", "–"}:
            return 0
        text = text.replace(".", "").replace(",", "").replace(" ", "")  # "1.007" as the office prints
        if not text.isdigit():
            raise ImportError_(f"{where}: bukan angka ({value!r})")
        number = int(text)
    if number < 0:
        raise ImportError_(f"{where}: angka negatif")
    return number


def figures_from_table(rows: list[list], *, year: int | None, source: str) -> list[Figure]:
    """Figures from a table, in one of two shapes:

    * long: a header with tahun/year, bulan/month, kanal/channel, jumlah/count;
    * the office's own (wide) table: a header row with BULAN and channel columns (Telepon, Whatsapp
      Chat, ...), one row per month; NO, JUMLAH and the TOTAL row are ignored; ``year`` must be given.
    """
    rows = [[("" if c is None else c) for c in row] for row in rows if any(str(c or "").strip() for c in row)]
    if not rows:
        raise ImportError_("berkas kosong")
    if len(rows) > MAX_IMPORT_ROWS:
        raise ImportError_(f"terlalu banyak baris (maks. {MAX_IMPORT_ROWS})")
    for index, row in enumerate(rows):
        header = [str(c).strip().lower() for c in row]
        if {"kanal", "channel"} & set(header) and {"bulan", "month"} & set(header):
            return _figures_long(header, rows[index + 1 :], source)
        if "bulan" in header or "month" in header:
            return _figures_wide(header, rows[index + 1 :], year, source)
    raise ImportError_("baris judul dengan kolom BULAN tidak ditemukan")


def _col(header: list[str], *names: str) -> int | None:
    for name in names:
        if name in header:
            return header.index(name)
    return None


def _figures_long(header: list[str], rows: list[list], source: str) -> list[Figure]:
    found = {
        "year": _col(header, "tahun", "year"),
        "month": _col(header, "bulan", "month"),
        "channel": _col(header, "kanal", "channel"),
        "count": _col(header, "jumlah", "count"),
    }
    missing = [k for k, v in found.items() if v is None]
    if missing:
        raise ImportError_(f"kolom tidak ada: {', '.join(missing)}")
    cols = {k: v for k, v in found.items() if v is not None}
    source_col = _col(header, "sumber", "source")
    figures: list[Figure] = []
    for number, row in enumerate(rows, start=2):
        where = f"baris {number}"
        try:
            month = parse_month(row[cols["month"]])
            year = int(str(row[cols["year"]]).strip())
        except (ValueError, IndexError) as exc:
            raise ImportError_(f"{where}: {exc}") from exc
        channel = _channel_from_header(str(row[cols["channel"]]))
        if channel is None:
            raise ImportError_(f"{where}: kanal tidak dikenal ({row[cols['channel']]!r})")
        row_source = str(row[source_col]).strip() if source_col is not None and row[source_col] else source
        figures.append(Figure(year, month, channel, _to_count(row[cols["count"]], where), row_source))
    return figures


def _figures_wide(header: list[str], rows: list[list], year: int | None, source: str) -> list[Figure]:
    if year is None:
        raise ImportError_("tabel per bulan: isi tahunnya")
    month_col = _col(header, "bulan", "month")
    if month_col is None:
        raise ImportError_("baris judul dengan kolom BULAN tidak ditemukan")
    channel_cols: dict[int, str] = {}
    for index, name in enumerate(header):
        if name in _SKIP_HEADERS or not name:
            continue
        channel = _channel_from_header(name)
        if channel is None:
            raise ImportError_(f"kolom tidak dikenal: {name!r}")
        channel_cols[index] = channel
    if not channel_cols:
        raise ImportError_("tidak ada kolom kanal")
    total_col = _col(header, "jumlah", "total")
    figures: list[Figure] = []
    for number, row in enumerate(rows, start=2):
        label = str(row[month_col]).strip() if month_col < len(row) else ""
        if label.upper() in {"TOTAL", "JUMLAH", ""}:
            continue
        try:
            month = parse_month(label)
        except ValueError as exc:
            raise ImportError_(f"baris {number}: {exc}") from exc
        counts = {
            ch: _to_count(row[i] if i < len(row) else None, f"baris {number}")
            for i, ch in channel_cols.items()
        }
        if total_col is not None and total_col < len(row) and str(row[total_col]).strip():
            stated = _to_count(row[total_col], f"baris {number}")
            if stated != sum(counts.values()):
                raise ImportError_(f"baris {number}: JUMLAH {stated} ≠ jumlah kolom {sum(counts.values())}")
        figures.extend(Figure(year, month, ch, n, source) for ch, n in counts.items())
    return figures


def figures_from_csv(content: bytes, *, year: int | None, source: str) -> list[Figure]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return figures_from_table(list(csv.reader(io.StringIO(text), dialect)), year=year, source=source)


def figures_from_xlsx(content: bytes, *, year: int | None, source: str) -> list[Figure]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ImportError_(f"bukan berkas XLSX yang valid ({exc.__class__.__name__})") from exc
    sheet = workbook.worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True, max_row=MAX_IMPORT_ROWS + 50)]
    workbook.close()
    return figures_from_table(rows, year=year, source=source)


def figures_from_office_json(content: bytes | str) -> list[Figure]:
    """The shared office file (data/parepare-tallies-2020-2021.json): per year, months by name,
    channel columns. Where a year only gives WhatsApp and the monthly total (2020), the monthly
    remainder is kept as one figure, not guessed apart: e-mail/Facebook/website together when those
    are the channels the year's published totals add (their yearly totals kept as published), else
    "Lainnya (tidak dirinci)". A month spelled the office's way (NOPEMBER) keeps its spelling."""
    try:
        data = json.loads(content)
    except ValueError as exc:
        raise ImportError_(f"JSON tidak valid: {exc}") from exc
    if not isinstance(data, dict):
        raise ImportError_("JSON harus berupa objek")
    source = str(data.get("source", ""))[:400]
    figures: list[Figure] = []
    for key, block in data.items():
        if not (str(key).isdigit() and isinstance(block, dict)):
            continue
        year = int(key)
        rest, split = _remainder_channel(block, year)
        note = f"{source} ({year})" if source else str(year)
        for month_label, cells in (block.get("months") or {}).items():
            month = parse_month(month_label)
            where = f"{year} {month_label}"
            counts = {}
            for column, value in cells.items():
                if column == "total":
                    continue
                channel = _channel_from_header(column)
                if channel is None:
                    raise ImportError_(f"{where}: kanal tidak dikenal ({column!r})")
                counts[channel] = _to_count(value, where)
            total = cells.get("total")
            if total is not None:
                remainder = _to_count(total, where) - sum(counts.values())
                if remainder < 0:
                    raise ImportError_(f"{where}: total lebih kecil dari jumlah kanal")
                if remainder:
                    counts[rest] = remainder
            label = str(month_label).strip().upper()
            label = "" if label == month_name(month) else label[:20]
            figures.extend(Figure(year, month, ch, n, note[:500], label) for ch, n in counts.items())
        figures.extend(Figure(year, 0, ch, n, note[:500]) for ch, n in split.items())
    if not figures:
        raise ImportError_("tidak ada angka bulanan di JSON")
    return figures


def _remainder_channel(block: dict, year: int) -> tuple[str, dict[str, int]]:
    """Where a year's monthly rows give some channels and a total, what the remainder is: the one
    channel missing from the rows, e-mail/Facebook/website together (the office's 2020 report,
    whose yearly totals per channel are published: returned to be kept), or "Lainnya"."""
    totals = block.get("channel_totals") or {}
    in_rows = {
        _channel_from_header(column)
        for cells in (block.get("months") or {}).values()
        for column in cells
        if column != "total"
    }
    missing = {}
    for column, value in totals.items():
        channel = _channel_from_header(column) if column != "total" else None
        if channel is not None and channel not in in_rows:
            missing[channel] = _to_count(value, f"{year} channel_totals")
    if len(missing) == 1:
        return next(iter(missing)), {}
    if set(missing) == set(GROUPED_PARTS):
        return GROUPED_CHANNEL, missing
    return OTHER_CHANNEL, {}


def historical_tallies_import(*, figures: list[Figure], imported: bool = True) -> ImportResult:
    """Store figures (one per year/month/channel), replacing earlier figures for the same cell."""
    result = ImportResult(figures=figures)
    seen: set[tuple[int, int, str]] = set()
    for f in figures:
        key = (f.year, f.month, f.channel)
        if key in seen:
            raise ImportError_(f"angka ganda untuk {f.year}-{f.month:02d} {f.channel}")
        seen.add(key)
    with transaction.atomic():
        for f in figures:
            if f.month == 0:
                _, created = HistoricalYearTotal.objects.update_or_create(
                    year=f.year, channel=f.channel, defaults={"count": f.count, "source": f.source[:500]}
                )
            else:
                _, created = HistoricalTally.objects.update_or_create(
                    year=f.year,
                    month=f.month,
                    channel=f.channel,
                    defaults={
                        "count": f.count,
                        "source": f.source[:500],
                        "imported": imported,
                        "month_label": f.month_label,
                    },
                )
            if created:
                result.created += 1
            else:
                result.updated += 1
    return result


def workday_calendar_rebuild() -> int:
    """Refill the WorkDay table from settings and PublicHoliday (after a holiday changes)."""
    # The holidays as this transaction sees them: the shared calendar hears of a change only once
    # it commits.
    calendar = office_calendar(holidays=holiday_dates())
    first = dt.date(settings.CURHAT_WORK_CALENDAR_FIRST_YEAR, 1, 1)
    last = dt.date(settings.CURHAT_WORK_CALENDAR_LAST_YEAR, 12, 31)
    rows = [
        WorkDay(date=d, is_workday=w, workdays_before=b) for d, w, b in workday_rows(calendar, first, last)
    ]
    with transaction.atomic():
        WorkDay.objects.all().delete()
        WorkDay.objects.bulk_create(rows, batch_size=2000)
        # Every process's office calendar is read afresh too (holidays changed by hand, then this
        # run through ``manage.py workday_calendar``).
        transaction.on_commit(refdata_changed)
    return len(rows)


def export_log_record(
    *, user, what: str, params: dict, with_personal_data: bool, row_count=None, request=None
) -> ExportLog:
    """Record an export twice: in the reports' own ExportLog (who, when, what, personal data or not)
    and in the project's append-only audit log (UU PDP: every processing activity is recorded)."""
    from tickets.models import AuditEvent
    from tickets.privacy.audit import audit_record

    entry = ExportLog.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        what=what[:200],
        params=params,
        with_personal_data=with_personal_data,
        row_count=row_count,
    )
    audit_record(
        action=AuditEvent.Action.EXPORT,
        actor=user if getattr(user, "is_authenticated", False) else None,
        obj=entry,
        detail={"what": what, **params, "with_personal_data": with_personal_data, "rows": row_count},
        request=request,
    )
    return entry
