"""Service metrics in working hours: time to first response and to resolution per channel and month,
escalations per department.

How working time is computed in SQL (same arithmetic as ``tickets.workcalendar.WorkingCalendar``):
the working seconds elapsed up to an instant are

    workdays_before(local date) * day_length + clamp(local seconds of day - day_start, 0, day_length)

(the second term only on working days), so the working time between two instants is a difference.
``workdays_before`` comes from the ``WorkDay`` calendar table, joined by local date (hash joins over
a ~9,500-row table: no per-row subqueries). The ORM builds the inner query (filters and the time-zone
conversion, portable across backends); a thin SQL wrapper joins the calendar and aggregates with
``percentile_cont`` (PostgreSQL's ordered-set aggregate, or the same aggregate registered on SQLite).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Case, F, FloatField, Func, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import (
    ExtractHour,
    ExtractMinute,
    ExtractMonth,
    ExtractSecond,
    ExtractYear,
    Floor,
    TruncDate,
)
from django.utils import timezone

from officials.models import Escalation
from tickets.models import Ticket, WorkDay
from tickets.workcalendar import WorkingCalendar, office_calendar

from .aggregates import register_sqlite_percentile
from .office_format import channel_label, month_name, ordered_channels
from .periods import Period, report_tz


def _local_seconds_of_day(name: str, tz) -> Func | CombinedExpression:
    """Whole seconds since local midnight. On PostgreSQL one date_part over the local time (three
    numeric EXTRACTs per instant cost more than the rest of the query); elsewhere Django's extracts."""
    if connection.vendor == "postgresql":
        return Func(
            F(name),
            Value(str(tz)),
            template="floor(date_part('epoch', (%(expressions)s)::time))",
            arg_joiner=" AT TIME ZONE ",
            output_field=FloatField(),
        )
    return (
        ExtractHour(name, tzinfo=tz) * 3600
        + ExtractMinute(name, tzinfo=tz) * 60
        + Floor(ExtractSecond(name, tzinfo=tz))
    )


def _percentile(expression: str, fraction: float) -> str:
    if connection.vendor == "postgresql":
        return f"percentile_cont({fraction!r}) WITHIN GROUP (ORDER BY {expression})"
    return f"percentile_cont({expression}, {fraction!r})"


class _Timed:
    """The inner query: ``keys`` (alias → expression) plus, for every instant field, its local date
    (``d_<field>``) and local seconds of day (``s_<field>``); joined to the calendar by
    :meth:`sql`, which exposes ``w_<field>`` = cumulative working seconds."""

    def __init__(self, qs: QuerySet, *, keys: dict, instants: list[str], calendar: WorkingCalendar):
        tz = calendar.tz
        annotations = dict(keys)
        for name in instants:
            annotations[f"d_{name}"] = TruncDate(name, tzinfo=tz)
            annotations[f"s_{name}"] = _local_seconds_of_day(name, tz)
        self.inner = qs.annotate(**annotations).values_list(*annotations).order_by()
        self.instants = instants
        self.calendar = calendar

    def cumulative(self, name: str) -> str:
        cal = self.calendar
        start = cal.day_start.hour * 3600 + cal.day_start.minute * 60 + cal.day_start.second
        length, seconds = cal.day_seconds, f't."s_{name}"'
        clamp = (
            f"CASE WHEN {seconds} <= {start} THEN 0 WHEN {seconds} >= {start + length} THEN {length} "
            f"ELSE {seconds} - {start} END"
        )
        return (
            f"(w_{name}.workdays_before * {length} + CASE WHEN w_{name}.is_workday THEN {clamp} ELSE 0 END)"
        )

    def with_durations(self, durations: dict[str, tuple[str, str]]) -> tuple[str, list]:
        """``WITH t AS (inner), x AS (t + one column per duration alias)``: callers select FROM x.

        Both are MATERIALIZED so the time-zone conversion and the calendar arithmetic run once per
        row, not once per reference in the aggregates (SQLite and PostgreSQL both inline otherwise).
        """
        inner_sql, params = self.inner.query.sql_with_params()
        table = WorkDay._meta.db_table
        joins = " ".join(
            f'LEFT JOIN {table} w_{name} ON w_{name}.date = t."d_{name}"' for name in self.instants
        )
        columns = ", ".join(
            f"({self.cumulative(end)} - {self.cumulative(start)}) AS {alias}"
            for alias, (end, start) in durations.items()
        )
        cte = (
            f"WITH t AS MATERIALIZED ({inner_sql}), x AS MATERIALIZED (SELECT t.*, {columns} FROM t {joins}) "  # noqa: S608 - identifiers and numbers only, values are parameters
        )
        return cte, list(params)


def _run(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            register_sqlite_percentile(connection)
        cursor.execute(sql, params)
        return cursor.fetchall()


def _hours(seconds) -> float | None:
    return None if seconds is None else round(float(seconds) / 3600, 2)


# --- Tickets ---------------------------------------------------------------------------------------
@dataclass
class ServiceRow:
    year: int | None
    month: int | None
    channel: str | None
    tickets: int
    first_response_median_h: float | None
    first_response_p90_h: float | None
    resolution_median_h: float | None
    resolution_p90_h: float | None

    @property
    def month_label(self) -> str:
        return f"{month_name(self.month)} {self.year}" if self.month else ""

    @property
    def channel_label(self) -> str:
        return channel_label(self.channel) if self.channel else "Semua kanal"


@dataclass
class ServiceMetrics:
    by_month_channel: list[ServiceRow]
    by_channel: list[ServiceRow]
    overall: ServiceRow


def service_metrics(*, period: Period, calendar: WorkingCalendar | None = None) -> ServiceMetrics:
    """Median and 90th percentile of working hours to first response and to resolution, per
    (local month, channel), per channel over the period, and overall, in one pass on PostgreSQL."""
    calendar = calendar or office_calendar()
    tz = report_tz()
    qs = Ticket.objects.filter(
        merged_into__isnull=True, created_at__gte=period.start, created_at__lt=period.end
    )
    timed = _Timed(
        qs,
        keys={
            "k_year": ExtractYear("created_at", tzinfo=tz),
            "k_month": ExtractMonth("created_at", tzinfo=tz),
            "k_channel": F("channel"),
        },
        instants=["created_at", "first_response_at", "resolved_at"],
        calendar=calendar,
    )
    cte, params = timed.with_durations(
        {"fr": ("first_response_at", "created_at"), "res": ("resolved_at", "created_at")}
    )
    measures = ", ".join(
        [
            "count(*)",
            _percentile("x.fr", 0.5),
            _percentile("x.fr", 0.9),
            _percentile("x.res", 0.5),
            _percentile("x.res", 0.9),
        ]
    )
    keys = 'x."k_year", x."k_month", x."k_channel"'
    if connection.vendor == "postgresql":
        sql = (
            f"{cte} SELECT {keys}, {measures}, GROUPING({keys}) FROM x "  # noqa: S608 - identifiers and numbers only, values are parameters
            f'GROUP BY GROUPING SETS (({keys}), (x."k_channel"), ())'
        )
    else:  # no GROUPING SETS: the same three groupings, one statement over the materialized rows
        sql = (
            f"{cte} SELECT {keys}, {measures}, 0 FROM x GROUP BY {keys} "  # noqa: S608 - identifiers and numbers only, values are parameters
            f'UNION ALL SELECT NULL, NULL, x."k_channel", {measures}, 6 FROM x GROUP BY x."k_channel" '
            f"UNION ALL SELECT NULL, NULL, NULL, {measures}, 7 FROM x"
        )
    rows = _run(sql, params)
    by_month_channel, by_channel, overall = [], [], None
    for year, month, channel, count, fr50, fr90, res50, res90, grouping in rows:
        row = ServiceRow(
            int(year) if year is not None else None,
            int(month) if month is not None else None,
            channel,
            count,
            _hours(fr50),
            _hours(fr90),
            _hours(res50),
            _hours(res90),
        )
        if grouping == 0:
            by_month_channel.append(row)
        elif grouping == 6:
            by_channel.append(row)
        else:
            overall = row
    in_use = {r.channel for r in by_channel if r.channel is not None}  # Ticket.channel is NOT NULL
    order: dict[str | None, int] = {c: i for i, c in enumerate(ordered_channels(in_use))}
    by_month_channel.sort(key=lambda r: (r.year, r.month, order.get(r.channel, 99)))
    by_channel.sort(key=lambda r: order.get(r.channel, 99))
    if overall is None:  # defensive: both backends return the overall row even with no tickets
        overall = ServiceRow(None, None, None, 0, None, None, None, None)
    return ServiceMetrics(by_month_channel, by_channel, overall)


# --- Escalations -----------------------------------------------------------------------------------
@dataclass
class EscalationRow:
    department_id: int
    department: str
    total: int
    answered: int
    answer_median_h: float | None
    on_time: int
    due_count: int  # answered, or still open past the due time

    @property
    def on_time_share(self) -> float | None:
        return None if not self.due_count else round(100 * self.on_time / self.due_count, 1)


def _flag(condition: Q) -> Case:
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def escalation_metrics(
    *, period: Period, department_ids: list[int] | None = None, calendar: WorkingCalendar | None = None
) -> list[EscalationRow]:
    """Per department: escalations opened in the period (cancelled ones left out), answered, median
    working hours to the answer, and the share answered within the due time among those answered or
    already overdue."""
    calendar = calendar or office_calendar()
    now = timezone.now()
    qs = Escalation.objects.filter(created_at__gte=period.start, created_at__lt=period.end).exclude(
        status=Escalation.Status.CANCELLED
    )
    if department_ids is not None:
        qs = qs.filter(department_id__in=department_ids)
    answered = Q(answered_at__isnull=False)
    timed = _Timed(
        qs,
        keys={
            "k_department": F("department_id"),
            "k_name": F("department__name"),
            "k_short": F("department__short_name"),
            "k_answered": _flag(answered),
            "k_on_time": _flag(answered & Q(answered_at__lte=F("due_at"))),
            "k_due": _flag(answered | Q(due_at__lt=now)),
        },
        instants=["created_at", "answered_at"],
        calendar=calendar,
    )
    cte, params = timed.with_durations({"answer": ("answered_at", "created_at")})
    sql = (
        f'{cte} SELECT x."k_department", x."k_name", x."k_short", count(*), sum(x."k_answered"), '  # noqa: S608 - identifiers and numbers only, values are parameters
        f'{_percentile("x.answer", 0.5)}, sum(x."k_on_time"), sum(x."k_due") FROM x '
        'GROUP BY x."k_department", x."k_name", x."k_short" ORDER BY x."k_name"'
    )
    return [
        EscalationRow(
            dept, short or name, total, int(ans or 0), _hours(median), int(on_time or 0), int(due or 0)
        )
        for dept, name, short, total, ans, median, on_time, due in _run(sql, params)
    ]
