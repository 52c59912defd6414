"""Working time in the office's calendar: WITA office hours, weekends and public holidays excluded.

Service metrics ("time to first response in working hours") and escalation due dates both need the
same arithmetic, so it lives here, free of models:

* :class:`WorkingCalendar` says when the office works (one start/end time for every working day,
  the working weekdays, a set of holiday dates) and answers ``working_seconds(start, end)`` and
  ``add_working_seconds(start, seconds)``.
* The SQL side (``reports.selectors``) uses the same formulation: the working seconds elapsed up to
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
