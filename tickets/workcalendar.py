"""The office's working calendar: WITA office hours, weekends and public holidays excluded.

Service metrics ("time to first response in working hours"), escalation due dates and the
auto-acknowledgement's "are we open?" all need the same arithmetic and the same calendar, so both
live here:

* :class:`WorkingCalendar` says when the office works (one start/end time for every working day,
  the working weekdays, a set of holiday dates) and answers ``working_seconds(start, end)``,
  ``add_working_seconds(start, seconds)`` and ``is_working_time(moment)``; it is free of models.
* :func:`office_calendar` is the office's own calendar, from settings and the PublicHoliday table:
  built once per process and reused, rebuilt when a holiday is saved or deleted (once the
  transaction commits: the holidays are reference data, see tickets.refdata, so other processes
  follow within a second) or when the settings it reads change.
* The SQL side (``reports.metrics``) uses the same formulation: the working seconds elapsed up to
  an instant are ``workdays_before(local date) * day_length + clamp(local time - day start)``, the
  first part read from the ``WorkDay`` calendar table that :func:`workday_rows` fills.

Everything is computed in the calendar's own time zone, so the server's or database's zone never
matters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings

from tickets.refdata import loader, refdata

DAY = dt.timedelta(days=1)


def parse_clock(value: str) -> dt.time:
    """``"07:30"`` → ``time(7, 30)``; raises ValueError for anything else."""
    hours, _, minutes = value.strip().partition(":")
    return dt.time(int(hours), int(minutes or 0))


@dataclass(frozen=True)
class WorkingCalendar:
    """When the office works. ``weekdays`` uses Python's numbering (Monday = 0)."""

    tz: dt.tzinfo = field(default_factory=lambda: ZoneInfo("Asia/Makassar"))
    day_start: dt.time = dt.time(8, 0)
    day_end: dt.time = dt.time(16, 0)
    weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    holidays: frozenset[dt.date] = frozenset()

    def __post_init__(self) -> None:
        if self.day_end <= self.day_start:
            raise ValueError("day_end must be after day_start")
        if not self.weekdays or not self.weekdays <= set(range(7)):
            raise ValueError("weekdays must be a non-empty subset of 0..6")

    # --- days ---------------------------------------------------------------------------------
    @property
    def day_seconds(self) -> int:
        """Working seconds in one working day."""
        return _seconds_of(self.day_end) - _seconds_of(self.day_start)

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() in self.weekdays and day not in self.holidays

    def working_days(self, first: dt.date, last: dt.date) -> Iterator[dt.date]:
        """Working days from ``first`` to ``last`` inclusive."""
        day = first
        while day <= last:
            if self.is_working_day(day):
                yield day
            day += DAY

    # --- instants -----------------------------------------------------------------------------
    def _local(self, moment: dt.datetime) -> dt.datetime:
        if moment.tzinfo is None:
            raise ValueError("working time needs aware datetimes")
        return moment.astimezone(self.tz)

    def _seconds_into_day(self, local: dt.datetime) -> int:
        """Working seconds already elapsed on ``local``'s own day (0 on a non-working day)."""
        if not self.is_working_day(local.date()):
            return 0
        into = _seconds_of(local.time()) - _seconds_of(self.day_start)
        return min(max(into, 0), self.day_seconds)

    def working_seconds(self, start: dt.datetime, end: dt.datetime) -> int:
        """Working seconds between two instants (0 if ``end`` is not after ``start``).

        Sub-second parts are dropped on both sides, as the SQL formulation does.
        """
        a, b = self._local(start), self._local(end)
        if b <= a:
            return 0
        full_days = sum(1 for _ in self.working_days(a.date(), b.date() - DAY))
        return full_days * self.day_seconds - self._seconds_into_day(a) + self._seconds_into_day(b)

    def add_working_seconds(self, start: dt.datetime, seconds: int) -> dt.datetime:
        """The instant when ``seconds`` working seconds have passed since ``start`` (a due date).

        With ``seconds == 0`` the result is ``start`` itself, even outside office hours.
        """
        if seconds < 0:
            raise ValueError("seconds must not be negative")
        local = self._local(start)
        if seconds == 0:
            return local
        day = local.date()
        used = self._seconds_into_day(local)
        # A start before office hours on a working day begins at the day's start; used == 0 then.
        while True:
            if self.is_working_day(day):
                left = self.day_seconds - used
                if seconds <= left:
                    opening = dt.datetime.combine(day, self.day_start, tzinfo=self.tz)
                    return opening + dt.timedelta(seconds=used + seconds)
                seconds -= left
            day += DAY
            used = 0

    def add_working_hours(self, start: dt.datetime, hours: float) -> dt.datetime:
        return self.add_working_seconds(start, round(hours * 3600))

    def is_working_time(self, moment: dt.datetime) -> bool:
        """Whether the office is staffed at ``moment`` (a working day, from start until end)."""
        local = self._local(moment)
        return self.is_working_day(local.date()) and self.day_start <= local.time() < self.day_end


def _seconds_of(clock: dt.time) -> int:
    return clock.hour * 3600 + clock.minute * 60 + clock.second


def workday_rows(
    calendar: WorkingCalendar, first: dt.date, last: dt.date
) -> Iterable[tuple[dt.date, bool, int]]:
    """(date, is working day, working days strictly before it since ``first``) for the calendar table.

    The SQL metric code turns an instant into cumulative working seconds with this table, so the
    difference of two instants equals :meth:`WorkingCalendar.working_seconds`.
    """
    before = 0
    day = first
    while day <= last:
        working = calendar.is_working_day(day)
        yield day, working, before
        before += int(working)
        day += DAY


# --- the office's calendar ------------------------------------------------------------------------
HOLIDAYS = "holidays"
# (settings it was built from, holidays, calendar): one per process, replaced when either changes.
_built: tuple[tuple, frozenset[dt.date], WorkingCalendar] | None = None


@loader(HOLIDAYS)
def holiday_dates() -> frozenset[dt.date]:
    """The office's public holidays, read from the database."""
    from tickets.models import PublicHoliday

    return frozenset(PublicHoliday.objects.values_list("date", flat=True))


def _settings_key() -> tuple:
    return (
        settings.TIME_ZONE,
        settings.CURHAT_WORK_DAY_START,
        settings.CURHAT_WORK_DAY_END,
        tuple(settings.CURHAT_WORK_WEEKDAYS),
    )


def office_calendar(*, holidays: frozenset[dt.date] | None = None) -> WorkingCalendar:
    """The office calendar from settings and the PublicHoliday table (the one every user shares).

    ``holidays`` builds one from those dates instead, read by the caller (not kept): the working-day
    table is rebuilt from ``holiday_dates()`` in the transaction that changed a holiday, before
    the shared calendar hears of it.
    """
    global _built
    key = _settings_key()
    if holidays is not None:
        return _build(key, holidays)
    holidays = refdata(HOLIDAYS)
    built = _built
    if built is not None and built[0] == key and built[1] == holidays:
        return built[2]
    calendar = _build(key, holidays)
    _built = (key, holidays, calendar)
    return calendar


def _build(key: tuple, holidays: frozenset[dt.date]) -> WorkingCalendar:
    zone, day_start, day_end, weekdays = key
    return WorkingCalendar(
        tz=ZoneInfo(zone),
        day_start=parse_clock(day_start),
        day_end=parse_clock(day_end),
        weekdays=frozenset(weekdays),
        holidays=frozenset(holidays),
    )
