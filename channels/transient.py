"""Which database failures are worth trying again: they say nothing about the event being applied."""

from __future__ import annotations

from django.db import InterfaceError, OperationalError

# https://www.postgresql.org/docs/current/errcodes-appendix.html
TRANSIENT_SQLSTATES = frozenset(
    {
        "40001",  # serialization_failure
        "40P01",  # deadlock_detected
        "55P03",  # lock_not_available (lock_timeout)
        "57014",  # query_canceled (statement_timeout)
        "57P01",  # admin_shutdown
        "57P02",  # crash_shutdown
        "57P03",  # cannot_connect_now
        "53300",  # too_many_connections
    }
)
SQLITE_TRANSIENT = ("database is locked", "database table is locked")


def is_transient(exc: BaseException) -> bool:
    """True for a deadlock, a serialization failure, a lock or statement timeout, a lost connection
    or a busy SQLite file; False for anything else (a bug, bad data: retrying changes nothing)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if getattr(current, "retryable", False):  # e.g. a call's callback that came before the call
            return True
        sqlstate = getattr(current, "sqlstate", None)
        if sqlstate:
            return sqlstate in TRANSIENT_SQLSTATES or sqlstate.startswith("08")  # 08: connection exception
        if isinstance(current, InterfaceError):  # the connection is gone
            return True
        if isinstance(current, OperationalError):
            if any(text in str(current) for text in SQLITE_TRANSIENT):
                return True
            cause = current.__cause__
            # psycopg raises OperationalError without a SQLSTATE when the server went away mid-query.
            if (
                cause is not None
                and type(cause).__module__.startswith("psycopg")
                and not getattr(cause, "sqlstate", None)
            ):
                return True
        current = current.__cause__ or current.__context__
    return False
