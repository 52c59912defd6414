"""Install the tally rollup trigger on PostgreSQL (and count existing tickets into it), and fill the
working-day calendar."""

import datetime as dt

from django.conf import settings
from django.db import migrations


def install_rollup(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from reports.rollup import rollup_install_sql, rollup_recount_sql

    tz = settings.TIME_ZONE
    schema_editor.execute("LOCK TABLE tickets_ticket IN SHARE ROW EXCLUSIVE MODE")
    for sql in [*rollup_install_sql(tz), *rollup_recount_sql(tz)]:
        schema_editor.execute(sql)


def uninstall_rollup(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from reports.rollup import rollup_uninstall_sql

    for sql in rollup_uninstall_sql():
        schema_editor.execute(sql)


def fill_calendar(apps, schema_editor):
    from zoneinfo import ZoneInfo

    from tickets.workcalendar import WorkingCalendar, parse_clock, workday_rows

    WorkDay = apps.get_model("reports", "WorkDay")
    PublicHoliday = apps.get_model("reports", "PublicHoliday")
    calendar = WorkingCalendar(
        tz=ZoneInfo(settings.TIME_ZONE),
        day_start=parse_clock(settings.CURHAT_WORK_DAY_START),
        day_end=parse_clock(settings.CURHAT_WORK_DAY_END),
        weekdays=frozenset(settings.CURHAT_WORK_WEEKDAYS),
        holidays=frozenset(PublicHoliday.objects.values_list("date", flat=True)),
    )
    first = dt.date(settings.CURHAT_WORK_CALENDAR_FIRST_YEAR, 1, 1)
    last = dt.date(settings.CURHAT_WORK_CALENDAR_LAST_YEAR, 12, 31)
    WorkDay.objects.all().delete()
    WorkDay.objects.bulk_create(
        [WorkDay(date=d, is_workday=w, workdays_before=b) for d, w, b in workday_rows(calendar, first, last)],
        batch_size=2000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("tickets", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(install_rollup, uninstall_rollup),
        migrations.RunPython(fill_calendar, migrations.RunPython.noop),
    ]
