"""The period a report covers: a year, or a range of local (WITA) dates, always shown month by month."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _


def report_tz() -> ZoneInfo:
    """The office's zone: months are counted in local time, whatever the server's zone is."""
    return ZoneInfo(settings.TIME_ZONE)


@dataclass(frozen=True)
class Period:
    first: dt.date  # local dates, inclusive
    last: dt.date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(_("tanggal akhir sebelum tanggal awal"))

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31))

    @classmethod
    def months_between(cls, first: tuple[int, int], last: tuple[int, int]) -> Period:
        return cls(dt.date(*first, 1), _month_end(*last))

    @property
    def months(self) -> list[tuple[int, int]]:
        out = []
        year, month = self.first.year, self.first.month
        while (year, month) <= (self.last.year, self.last.month):
            out.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out

    @property
    def whole_months(self) -> bool:
        return self.first.day == 1 and self.last == _month_end(self.last.year, self.last.month)

    @property
    def is_calendar_year(self) -> bool:
        return self.first == dt.date(self.first.year, 1, 1) and self.last == dt.date(self.first.year, 12, 31)

    @property
    def start(self) -> dt.datetime:
        """First instant (aware, local midnight)."""
        return dt.datetime.combine(self.first, dt.time(), tzinfo=report_tz())

    @property
    def end(self) -> dt.datetime:
        """First instant after the period (exclusive bound)."""
        return dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(), tzinfo=report_tz())

    @property
    def years(self) -> list[int]:
        return list(range(self.first.year, self.last.year + 1))

    def label(self) -> str:
        from .office_format import month_name

        if self.is_calendar_year:
            return str(self.first.year)
        if self.whole_months:
            a, b = self.months[0], self.months[-1]
            if a == b:
                return f"{month_name(a[1])} {a[0]}"
            return f"{month_name(a[1])} {a[0]} – {month_name(b[1])} {b[0]}"
        return f"{self.first:%d-%m-%Y} – {self.last:%d-%m-%Y}"

    def query_params(self) -> dict[str, str]:
        if self.is_calendar_year:
            return {"tahun": str(self.first.year)}
        return {"dari": self.first.isoformat(), "sampai": self.last.isoformat()}


def _month_end(year: int, month: int) -> dt.date:
    following = dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
    return following - dt.timedelta(days=1)


_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
MIN_YEAR, MAX_YEAR = 2000, 2100


def _parse_bound(text: str, *, is_end: bool) -> dt.date:
    text = text.strip()
    match = _MONTH_RE.match(text)
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12:
            raise ValueError(_("bulan tidak valid: %(value)s") % {"value": text})
        return _month_end(year, month) if is_end else dt.date(year, month, 1)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:  # Python's own message is English ("Invalid isoformat string")
        raise ValueError(
            _("tanggal tidak valid: %(value)s (tulis TTTT-BB atau TTTT-BB-HH)") % {"value": text}
        ) from None


def period_from_params(params, *, default_year: int | None = None) -> Period:
    """``?tahun=2021`` or ``?dari=2021-01[-01]&sampai=2021-08[-31]``; ValueError with a reason if bad."""
    first, last = params.get("dari", ""), params.get("sampai", "")
    if first or last:
        if not (first and last):
            raise ValueError(_("isi tanggal awal dan akhir"))
        period = Period(_parse_bound(first, is_end=False), _parse_bound(last, is_end=True))
    else:
        raw = params.get("tahun", "")
        if raw and not raw.strip().isdigit():
            raise ValueError(_("tahun tidak valid: %(value)s") % {"value": raw})
        year = int(raw) if raw else (default_year or timezone.localtime().year)
        period = Period.year(year)
    if not (MIN_YEAR <= period.first.year <= MAX_YEAR and MIN_YEAR <= period.last.year <= MAX_YEAR):
        raise ValueError(_("tahun di luar jangkauan (%(min)s–%(max)s)") % {"min": MIN_YEAR, "max": MAX_YEAR})
    if len(period.months) > 120:
        raise ValueError(_("rentang paling lama 10 tahun"))
    return period
