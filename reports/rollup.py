"""The tally rollup on PostgreSQL: tickets per (local month, channel), kept by a trigger.

Why a trigger: the yearly tally must stay fast at millions of tickets (bench/tally.py), and a row
trigger updates the rollup inside the very transaction that creates, merges, moves or deletes a
ticket, whoever writes it (services, admin, bulk loads, raw SQL). Ticket creation already queues on
the per-year TicketSequence row lock, so the rollup's hot row adds no new contention.

SQLite (the one-laptop default) has no rollup: the tally counts tickets directly there.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection, transaction

from tickets.models import Ticket

from .models import TallyRollup

FUNCTION = "reports_tally_rollup_apply"
TRIGGER = "reports_tally_rollup"


def _names() -> dict[str, str]:
    return {
        "ticket": Ticket._meta.db_table,
        "rollup": TallyRollup._meta.db_table,
        "function": FUNCTION,
        "trigger": TRIGGER,
    }


def _local_month(column: str, tz: str) -> str:
    # AT TIME ZONE on a timestamptz gives the wall-clock time in that zone, independent of the
    # session's TimeZone setting.
    return f"date_trunc('month', {column} AT TIME ZONE {_quote(tz)})::date"


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def rollup_install_sql(tz: str) -> list[str]:
    n = _names()
    old_month, new_month = _local_month("OLD.created_at", tz), _local_month("NEW.created_at", tz)
    return [
        f"""
        CREATE OR REPLACE FUNCTION {n["function"]}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE'
               AND OLD.merged_into_id IS NULL AND NEW.merged_into_id IS NULL
               AND OLD.channel = NEW.channel AND {old_month} = {new_month} THEN
                RETURN NULL;  -- still counted in the same cell
            END IF;
            IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.merged_into_id IS NULL THEN
                UPDATE {n["rollup"]} SET count = count - 1
                 WHERE month = {old_month} AND channel = OLD.channel;
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.merged_into_id IS NULL THEN
                INSERT INTO {n["rollup"]} (month, channel, count) VALUES ({new_month}, NEW.channel, 1)
                ON CONFLICT (month, channel) DO UPDATE SET count = {n["rollup"]}.count + 1;
            END IF;
            RETURN NULL;
        END
        $$
        """,  # noqa: S608 - table/zone names from our models and settings, not input
        f"DROP TRIGGER IF EXISTS {n['trigger']} ON {n['ticket']}",
        f"""
        CREATE TRIGGER {n["trigger"]}
        AFTER INSERT OR DELETE OR UPDATE OF created_at, channel, merged_into_id ON {n["ticket"]}
        FOR EACH ROW EXECUTE FUNCTION {n["function"]}()
        """,
    ]


def rollup_uninstall_sql() -> list[str]:
    n = _names()
    return [
        f"DROP TRIGGER IF EXISTS {n['trigger']} ON {n['ticket']}",
        f"DROP FUNCTION IF EXISTS {n['function']}()",
    ]


def rollup_recount_sql(tz: str) -> list[str]:
    n = _names()
    return [
        f"DELETE FROM {n['rollup']}",  # noqa: S608 - identifiers and numbers only, values are parameters
        f"""
        INSERT INTO {n["rollup"]} (month, channel, count)
        SELECT {_local_month("created_at", tz)}, channel, count(*)
          FROM {n["ticket"]} WHERE merged_into_id IS NULL
         GROUP BY 1, 2
        """,  # noqa: S608 - table/zone names from our models and settings, not input
    ]


def rollup_available() -> bool:
    return connection.vendor == "postgresql" and settings.CURHAT_TALLY_USE_ROLLUP


def rollup_rebuild(*, using=None) -> None:
    """(Re)install the trigger for the current TIME_ZONE and recount everything, atomically.

    The SHARE ROW EXCLUSIVE lock keeps ticket writers out while recounting, so none is missed.
    """
    tz = settings.TIME_ZONE
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {Ticket._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
        for sql in [*rollup_install_sql(tz), *rollup_recount_sql(tz)]:
            cursor.execute(sql)


def rollup_differences() -> list[tuple[str, str, int, int]]:
    """Cells where rollup and raw count differ: (month, channel, rollup, raw). Empty means equal."""
    n = _names()
    tz = settings.TIME_ZONE
    sql = f"""
        WITH raw AS (
            SELECT {_local_month("created_at", tz)} AS month, channel, count(*) AS n
              FROM {n["ticket"]} WHERE merged_into_id IS NULL GROUP BY 1, 2
        )
        SELECT COALESCE(r.month, raw.month)::text, COALESCE(r.channel, raw.channel),
               COALESCE(r.count, 0), COALESCE(raw.n, 0)
          FROM {n["rollup"]} r FULL OUTER JOIN raw ON raw.month = r.month AND raw.channel = r.channel
         WHERE COALESCE(r.count, 0) <> COALESCE(raw.n, 0)
         ORDER BY 1, 2
    """  # noqa: S608 - table/zone names from our models and settings, not input
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [tuple(row) for row in cursor.fetchall()]
