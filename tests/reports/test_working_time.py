"""Working time: office hours in WITA, weekends and public holidays excluded."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support import WITA, at_wita
from tickets.models import PublicHoliday
from tickets.workcalendar import WorkingCalendar, office_calendar, parse_clock, workday_rows

HOLIDAYS = frozenset({dt.date(2021, 8, 17), dt.date(2021, 12, 24), dt.date(2021, 12, 27)})
CAL = WorkingCalendar(holidays=HOLIDAYS)  # 08:00–16:00 WITA, Monday–Friday
H = 3600


def brute_force_seconds(cal: WorkingCalendar, start: dt.datetime, end: dt.datetime) -> int:
    """Walk minute by minute (test inputs are whole minutes): the obviously-correct reference."""
    total, t = 0, start.astimezone(cal.tz)
    end = end.astimezone(cal.tz)
    while t < end:
        local = t
        if cal.is_working_day(local.date()) and cal.day_start <= local.time() < cal.day_end:
            total += 60
        t += dt.timedelta(minutes=1)
    return total


def test_same_day_inside_hours():
    assert CAL.working_seconds(at_wita(2021, 8, 2, 9), at_wita(2021, 8, 2, 11, 30)) == 2.5 * H


def test_evening_to_next_morning_counts_only_office_hours():
    # Monday 15:00 → Tuesday 09:00: one hour on Monday, one on Tuesday.
    assert CAL.working_seconds(at_wita(2021, 8, 2, 15), at_wita(2021, 8, 3, 9)) == 2 * H


def test_weekend_is_skipped():
    # Friday 15:00 → Monday 09:00.
    assert CAL.working_seconds(at_wita(2021, 8, 6, 15), at_wita(2021, 8, 9, 9)) == 2 * H


def test_public_holiday_is_skipped():
    # Monday 16 Aug 15:00 → Wednesday 18 Aug 09:00, Tuesday 17 Aug is Independence Day.
    assert CAL.working_seconds(at_wita(2021, 8, 16, 15), at_wita(2021, 8, 18, 9)) == 2 * H
    assert WorkingCalendar().working_seconds(at_wita(2021, 8, 16, 15), at_wita(2021, 8, 18, 9)) == 10 * H


def test_entirely_outside_hours_is_zero():
    assert CAL.working_seconds(at_wita(2021, 8, 7, 9), at_wita(2021, 8, 8, 20)) == 0  # weekend
    assert CAL.working_seconds(at_wita(2021, 8, 2, 17), at_wita(2021, 8, 3, 7)) == 0  # night
    assert CAL.working_seconds(at_wita(2021, 8, 3, 9), at_wita(2021, 8, 2, 9)) == 0  # reversed


def test_instants_in_other_zones_are_converted_to_wita():
    utc = dt.UTC
    # 01:00 UTC = 09:00 WITA; 03:00 UTC = 11:00 WITA.
    assert (
        CAL.working_seconds(dt.datetime(2021, 8, 2, 1, tzinfo=utc), dt.datetime(2021, 8, 2, 3, tzinfo=utc))
        == 2 * H
    )
    jakarta = ZoneInfo("Asia/Jakarta")  # WIB = WITA - 1h: 15:00 WIB is 16:00 WITA, closing time
    assert (
        CAL.working_seconds(
            dt.datetime(2021, 8, 2, 14, tzinfo=jakarta), dt.datetime(2021, 8, 2, 18, tzinfo=jakarta)
        )
        == H
    )


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        CAL.working_seconds(dt.datetime(2021, 8, 2, 9), at_wita(2021, 8, 2, 10))


def test_bad_calendars_are_refused():
    with pytest.raises(ValueError):
        WorkingCalendar(day_start=dt.time(16), day_end=dt.time(8))
    with pytest.raises(ValueError):
        WorkingCalendar(weekdays=frozenset({7}))
    assert parse_clock("07:30") == dt.time(7, 30)


def test_due_dates():
    # 16 working hours from Friday 14:00 (two hours left that day) → Tuesday 14:00 (weekend skipped).
    assert CAL.add_working_hours(at_wita(2021, 8, 6, 14), 16) == at_wita(2021, 8, 10, 14)
    # Asked at night: the clock starts at the next opening.
    assert CAL.add_working_hours(at_wita(2021, 8, 2, 20), 1) == at_wita(2021, 8, 3, 9)
    # Over a holiday.
    assert CAL.add_working_hours(at_wita(2021, 8, 16, 15), 2) == at_wita(2021, 8, 18, 9)
    # Exactly at closing time stays on that day.
    assert CAL.add_working_hours(at_wita(2021, 8, 2, 8), 8) == at_wita(2021, 8, 2, 16)
    assert CAL.add_working_seconds(at_wita(2021, 8, 7, 10), 0) == at_wita(2021, 8, 7, 10)
    with pytest.raises(ValueError):
        CAL.add_working_seconds(at_wita(2021, 8, 2, 8), -1)


moments = st.datetimes(min_value=dt.datetime(2021, 7, 26), max_value=dt.datetime(2021, 9, 5)).map(
    lambda d: d.replace(second=0, microsecond=0, tzinfo=ZoneInfo("Asia/Makassar"))
)


@settings(max_examples=60, deadline=None)
@given(start=moments, end=moments)
def test_matches_minute_by_minute_reference(start, end):
    assert CAL.working_seconds(start, end) == brute_force_seconds(CAL, start, end)


@settings(max_examples=80, deadline=None)
@given(start=moments, minutes=st.integers(min_value=1, max_value=8 * 60 * 12))
def test_due_date_is_the_inverse_of_working_seconds(start, minutes):
    due = CAL.add_working_seconds(start, minutes * 60)
    assert CAL.working_seconds(start, due) == minutes * 60
    # ... and it is the earliest such instant: one minute earlier is not enough.
    assert CAL.working_seconds(start, due - dt.timedelta(minutes=1)) < minutes * 60


@settings(max_examples=60, deadline=None)
@given(a=moments, b=moments, c=moments)
def test_additive(a, b, c):
    a, b, c = sorted([a, b, c])
    assert CAL.working_seconds(a, c) == CAL.working_seconds(a, b) + CAL.working_seconds(b, c)


def test_calendar_rows_count_working_days_before_each_date():
    rows = list(workday_rows(CAL, dt.date(2021, 8, 13), dt.date(2021, 8, 19)))
    # Fri 13, Sat, Sun, Mon 16, Tue 17 (holiday), Wed 18, Thu 19
    assert [(d.day, w, b) for d, w, b in rows] == [
        (13, True, 0),
        (14, False, 1),
        (15, False, 1),
        (16, True, 1),
        (17, False, 2),
        (18, True, 2),
        (19, True, 3),
    ]


def test_is_working_time_is_office_hours_on_working_days():
    assert CAL.is_working_time(at_wita(2021, 8, 16, 8)) is True  # Monday, opening
    assert CAL.is_working_time(at_wita(2021, 8, 16, 16)) is False  # closing time is outside
    assert CAL.is_working_time(at_wita(2021, 8, 17, 10)) is False  # holiday
    assert CAL.is_working_time(at_wita(2021, 8, 16, 2).astimezone(dt.UTC)) is False
    assert CAL.is_working_time(at_wita(2021, 8, 16, 10).astimezone(dt.UTC)) is True


@pytest.mark.django_db
def test_office_calendar_is_built_once_and_rebuilt_when_holidays_or_settings_change(
    django_capture_on_commit_callbacks,
):
    calendar = office_calendar()
    assert office_calendar() is calendar
    assert (calendar.tz, calendar.day_start, calendar.day_end) == (WITA, dt.time(8), dt.time(16))
    assert calendar.is_working_day(dt.date(2021, 8, 17))
    with django_capture_on_commit_callbacks(execute=True):
        holiday = PublicHoliday.objects.create(date=dt.date(2021, 8, 17), name="HUT RI")
    with_holiday = office_calendar()
    assert not with_holiday.is_working_day(dt.date(2021, 8, 17))
    assert office_calendar() is with_holiday
    with django_capture_on_commit_callbacks(execute=True):
        holiday.delete()
    assert office_calendar().is_working_day(dt.date(2021, 8, 17))
    with override_settings(CURHAT_WORK_DAY_END="15:30", CURHAT_WORK_WEEKDAYS=[0, 1, 2, 3, 4, 5]):
        assert office_calendar().day_end == dt.time(15, 30)
        assert office_calendar().is_working_day(dt.date(2021, 8, 21))  # a Saturday
    assert office_calendar().day_end == dt.time(16)
