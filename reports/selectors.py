"""Reads for the reports: the office's monthly tally, historical figures, and service metrics.

Everything is aggregated in SQL; Python only arranges the (small) grouped result into the office's
table. Months are local (WITA) months: the database converts each instant with AT TIME ZONE (or
Django's SQLite functions), so neither the server's nor the database session's zone matters.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import (
    Count,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import (
    Coalesce,
    TruncMonth,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.models import ContactIdentity, Ticket

from .models import GROUPED_CHANNEL, GROUPED_PARTS, HistoricalTally, HistoricalYearTotal, TallyRollup
from .office_format import format_count, month_name, office_column_label, ordered_channels
from .periods import Period, report_tz
from .rollup import rollup_available

BASIS_COUNTED = "sistem"
BASIS_HISTORICAL = "historis"
BASIS_COMBINED = "gabungan"
BASES = (BASIS_COUNTED, BASIS_HISTORICAL, BASIS_COMBINED)


# --- The tally -------------------------------------------------------------------------------------
@dataclass
class TallyRow:
    number: int
    year: int
    month: int
    counts: dict[str, int]
    total: int
    month_label: str = ""  # the source's own spelling of the month (NOPEMBER), if it had one

    @property
    def label(self) -> str:
        return self.month_label or month_name(self.month)


@dataclass
class Tally:
    period: Period
    basis: str
    channels: list[str]
    rows: list[TallyRow]
    totals: dict[str, int]
    grand_total: int
    source_notes: list[str] = field(default_factory=list)

    @property
    def headers(self) -> list[str]:
        # The office's own table: its headers in its spelling (office_format.OFFICE_CHANNEL_LABELS).
        return ["NO", "BULAN", *[office_column_label(c) for c in self.channels], "JUMLAH"]

    @property
    def spans_years(self) -> bool:
        return len({r.year for r in self.rows}) > 1

    def row_label(self, row: TallyRow) -> str:
        return f"{row.label} {row.year}" if self.spans_years else row.label

    def as_text_rows(self) -> list[list[str]]:
        """The table as the office prints it: header, one row per month, TOTAL."""
        out = [self.headers]
        for row in self.rows:
            out.append(
                [
                    str(row.number),
                    self.row_label(row),
                    *[format_count(row.counts.get(c, 0)) for c in self.channels],
                    format_count(row.total),
                ]
            )
        out.append(
            [
                "",
                "TOTAL",
                *[format_count(self.totals.get(c, 0)) for c in self.channels],
                format_count(self.grand_total),
            ]
        )
        return out


def _counted_cells(period: Period) -> dict[tuple[int, int, str], int]:
    """{(year, month, channel): tickets}, merged tickets excluded (their survivor counts)."""
    if rollup_available() and period.whole_months:
        rows = TallyRollup.objects.filter(
            month__gte=period.first, month__lte=period.last, count__gt=0
        ).values_list("month", "channel", "count")
        return {(m.year, m.month, ch): n for m, ch, n in rows}
    return tally_cells_raw(period)


def tally_cells_raw(period: Period) -> dict[tuple[int, int, str], int]:
    """The tally counted straight from the tickets (the rollup's reference)."""
    rows = (
        Ticket.objects.filter(
            merged_into__isnull=True, created_at__gte=period.start, created_at__lt=period.end
        )
        .annotate(local_month=TruncMonth("created_at", tzinfo=report_tz()))
        .values("local_month", "channel")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("local_month", "channel", "n")
    )
    cells: dict[tuple[int, int, str], int] = {}
    for month, channel, n in rows:
        local = _as_local_date(month)
        cells[(local.year, local.month, channel)] = n
    return cells


def _as_local_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value, report_tz()).date() if timezone.is_aware(value) else value.date()
    return value


@dataclass
class _Historical:
    cells: dict[tuple[int, int, str], int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    labels: dict[tuple[int, int], str] = field(default_factory=dict)
    splits: dict[int, dict[str, int]] = field(default_factory=dict)  # year → published parts


# The office's published file names its source in English (data/parepare-tallies-2020-2021.json, kept
# as published); the pages and the API show that note in the reader's language.
OFFICE_REPORT_SOURCE = "CURHAT ADMINDUK innovation report, Disdukcapil Kota Parepare"
_SOURCE_YEAR = re.compile(r"\((\d{4})\)\s*$")


def source_note(source: str) -> str:
    """A stored source note as shown: the office's report in the active language, any other (typed
    by an admin on import) as it was written."""
    if not source.startswith(OFFICE_REPORT_SOURCE):
        return source
    note = _(
        "Laporan inovasi CURHAT ADMINDUK, Disdukcapil Kota Parepare (angka sebagaimana diterbitkan; "
        "rincian email/Facebook/website per bulan tahun 2020 tidak terbaca di laporan, hanya sisanya "
        "per bulan)"
    )
    year = _SOURCE_YEAR.search(source)
    return f"{note} ({year.group(1)})" if year else note


def _historical(period: Period) -> _Historical:
    wanted = Q()
    for year, month in period.months:
        wanted |= Q(year=year, month=month)
    rows = HistoricalTally.objects.filter(wanted).values_list(
        "year", "month", "channel", "count", "source", "month_label"
    )
    found = _Historical()
    for year, month, channel, count, source, label in rows:
        found.cells[(year, month, channel)] = count
        if label:
            found.labels[(year, month)] = label
        shown = source_note(source) if source else ""
        if shown and shown not in found.notes:
            found.notes.append(shown)
    found.splits = _published_splits(period, found.cells)
    return found


def _historical_cells(period: Period) -> tuple[dict[tuple[int, int, str], int], list[str]]:
    found = _historical(period)
    return found.cells, found.notes


def _published_splits(period: Period, cells: dict[tuple[int, int, str], int]) -> dict[int, dict[str, int]]:
    """For each year whose grouped e-mail/Facebook/website months all lie in ``period``, the yearly
    totals of those channels as the office published them (when they add up to the months)."""
    grouped: dict[int, int] = defaultdict(int)
    for (year, _month, channel), n in cells.items():
        if channel == GROUPED_CHANNEL:
            grouped[year] += n
    if not grouped:
        return {}
    months_in_period = set(period.months)
    stored = HistoricalTally.objects.filter(year__in=list(grouped), channel=GROUPED_CHANNEL)
    complete = {
        year
        for year in grouped
        if {(y, m) for y, m in stored.filter(year=year).values_list("year", "month")} <= months_in_period
    }
    splits: dict[int, dict[str, int]] = defaultdict(dict)
    for year, channel, count in HistoricalYearTotal.objects.filter(
        year__in=complete, channel__in=GROUPED_PARTS
    ).values_list("year", "channel", "count"):
        splits[year][channel] = count
    return {year: parts for year, parts in splits.items() if sum(parts.values()) == grouped[year]}


def _arrange(
    period: Period,
    basis: str,
    cells: dict[tuple[int, int, str], int],
    notes: list[str],
    historical: _Historical | None = None,
) -> Tally:
    channels = ordered_channels({ch for (_, _, ch), n in cells.items() if n})
    rows, totals = [], dict.fromkeys(channels, 0)
    labels = historical.labels if historical else {}
    for number, (year, month) in enumerate(period.months, start=1):
        counts = {ch: cells.get((year, month, ch), 0) for ch in channels}
        for ch, n in counts.items():
            totals[ch] += n
        rows.append(
            TallyRow(number, year, month, counts, sum(counts.values()), labels.get((year, month), ""))
        )
    notes = list(notes)
    for year, parts in sorted((historical.splits if historical else {}).items()):
        # The TOTAL row shows the office's published split instead of the grouped remainder.
        for channel, n in parts.items():
            totals[channel] += n
            totals[GROUPED_CHANNEL] -= n
        split = "/".join(format_count(parts.get(c, 0)) for c in GROUPED_PARTS)
        notes.append(
            _(
                "%(year)s: email/Facebook/website per bulan tidak dirinci di sumber; total tahunan "
                "menurut sumber %(split)s"
            )
            % {"year": year, "split": split}
        )
    return Tally(period, basis, channels, rows, totals, sum(totals.values()), notes)


def tally(*, period: Period, basis: str = BASIS_COUNTED) -> Tally:
    """The office's monthly table for ``period``.

    ``basis``: counted tickets (sistem), imported/entered historical figures (historis), or both
    summed (gabungan), which the page labels as such.
    """
    if basis == BASIS_COUNTED:
        return _arrange(period, basis, _counted_cells(period), [])
    historical = _historical(period)
    if basis == BASIS_HISTORICAL:
        return _arrange(period, basis, historical.cells, historical.notes, historical)
    if basis == BASIS_COMBINED:
        combined = defaultdict(int, _counted_cells(period))
        for key, n in historical.cells.items():
            combined[key] += n
        return _arrange(period, basis, dict(combined), historical.notes, historical)
    raise ValueError(f"unknown basis: {basis}")


def historical_years() -> list[int]:
    return list(HistoricalTally.objects.order_by("year").values_list("year", flat=True).distinct())


def report_years() -> list[int]:
    """Every year with tickets or historical figures, up to this one: two small queries (the
    oldest ticket through the created_at index, the distinct historical years)."""
    this_year = timezone.localdate().year
    oldest = Ticket.objects.order_by("created_at").values_list("created_at", flat=True).first()
    first = timezone.localtime(oldest, report_tz()).year if oldest else this_year
    return sorted(set(range(min(first, this_year), this_year + 1)) | set(historical_years()))


@dataclass
class YearSeries:
    year: int
    imported: bool
    monthly: list[int | None]  # 12 values; None where there is nothing for that month
    # The month still under way (counted series of the current year): drawn as partial, not as a
    # fall. ``through`` is the last day counted.
    partial_month: int | None = None
    through: dt.date | None = None

    @property
    def label(self) -> str:
        return f"{self.year} (historis)" if self.imported else str(self.year)


def year_over_year(*, years: list[int]) -> list[YearSeries]:
    """Monthly totals per year: counted tickets, and historical figures as their own series."""
    if not years:
        return []
    period = Period(dt.date(min(years), 1, 1), dt.date(max(years), 12, 31))
    counted = _counted_cells(period)
    historical, _ = _historical_cells(period)
    today = timezone.localdate()
    series = []
    for source, imported in ((counted, False), (historical, True)):
        by_month: dict[tuple[int, int], int] = defaultdict(int)
        for (year, month, _ch), n in source.items():
            by_month[(year, month)] += n
        for year in years:
            if any((year, m) in by_month for m in range(1, 13)):
                monthly = [by_month.get((year, m)) for m in range(1, 13)]
                partial = today.month if not imported and year == today.year else None
                series.append(YearSeries(year, imported, monthly, partial, today if partial else None))
    return sorted(series, key=lambda s: (s.year, s.imported))


# --- Topics ----------------------------------------------------------------------------------------
@dataclass
class TopicCount:
    topic: str
    count: int


def _topic_name(name: str | None) -> str:
    return name or "(tanpa topik)"


def tickets_per_topic(*, period: Period) -> list[TopicCount]:
    rows = (
        Ticket.objects.filter(
            merged_into__isnull=True, created_at__gte=period.start, created_at__lt=period.end
        )
        .values("topic__name")
        .annotate(n=Count("id"))
        .order_by("-n", "topic__name")
    )
    return [TopicCount(_topic_name(r["topic__name"]), r["n"]) for r in rows]


@dataclass
class MonthTopics:
    year: int
    month: int
    top: list[TopicCount]

    @property
    def label(self) -> str:
        return f"{month_name(self.month)} {self.year}"


def top_topics_per_month(*, period: Period, limit: int = 3) -> list[MonthTopics]:
    """The ``limit`` most frequent topics of each month (counted in SQL, grouped result trimmed)."""
    rows = (
        Ticket.objects.filter(
            merged_into__isnull=True, created_at__gte=period.start, created_at__lt=period.end
        )
        .annotate(local_month=TruncMonth("created_at", tzinfo=report_tz()))
        .values("local_month", "topic__name")
        .annotate(n=Count("id"))
        .order_by("local_month", "-n", "topic__name")
    )
    grouped: dict[tuple[int, int], list[TopicCount]] = defaultdict(list)
    for r in rows:
        local = _as_local_date(r["local_month"])
        bucket = grouped[(local.year, local.month)]
        if len(bucket) < limit:
            bucket.append(TopicCount(_topic_name(r["topic__name"]), r["n"]))
    return [MonthTopics(y, m, grouped[(y, m)]) for (y, m) in period.months if (y, m) in grouped]


# --- Ticket-level rows for exports -----------------------------------------------------------------
TICKET_EXPORT_FIELDS = (
    "reference",
    "created_at",
    "channel",
    "topic__name",
    "department__name",
    "status",
    "first_response_at",
    "resolved_at",
)


def ticket_export_rows(*, period: Period, with_personal_data: bool) -> QuerySet:
    qs = Ticket.objects.filter(
        merged_into__isnull=True, created_at__gte=period.start, created_at__lt=period.end
    ).order_by("created_at", "id")
    fields = list(TICKET_EXPORT_FIELDS)
    if with_personal_data:
        first_identity = ContactIdentity.objects.filter(contact=OuterRef("contact_id")).order_by("id")
        qs = qs.annotate(
            contact_name=Coalesce("contact__name", Value("")),
            contact_identity=Subquery(first_identity.values("value")[:1]),
        )
        fields += ["contact_name", "contact_identity", "subject"]
    return qs.values_list(*fields)
