"""Two PostgreSQL roles (issue 18): the owner runs migrations, the app runs as a role that owns
nothing. ``owner_connection`` switches a connection to the owner's credentials (DATABASE_OWNER_URL)
for the duration of a command; ``app_role_grants`` lists the statements that give the app its
privileges, append-only on the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dj_database_url
from django.conf import settings
from django.db import connections
from psycopg import sql

# Tables the app may only add to and read: the audit log (issue 15 item 4). Table-level grants,
# whatever columns the table has (a hash chain may be added to it).
APPEND_ONLY_TABLES = ("tickets_auditevent",)
_CREDENTIALS = ("USER", "PASSWORD", "HOST", "PORT")


def owner_url() -> str:
    return settings.DATABASE_OWNER_URL


@contextmanager
def owner_connection(alias: str = "default") -> Iterator[bool]:
    """Connect ``alias`` as the owner role while inside (yields whether it switched). The database
    name stays the connection's own (a test run's test_ database included)."""
    url = owner_url()
    if not url or alias != "default" or connections[alias].vendor != "postgresql":
        yield False
        return
    connection = connections[alias]
    owner = dj_database_url.parse(url)
    if settings.DATABASE_OWNER_PASSWORD:
        owner["PASSWORD"] = settings.DATABASE_OWNER_PASSWORD
    saved = {key: connection.settings_dict.get(key) for key in _CREDENTIALS}
    connection.close()
    connection.settings_dict.update({key: owner.get(key) for key in _CREDENTIALS})
    try:
        yield True
    finally:
        connection.close()
        connection.settings_dict.update(saved)


def app_role() -> tuple[str, str]:
    """The app's role and password, from DATABASE_URL (the password: DATABASE_PASSWORD when set)."""
    parsed = dj_database_url.parse(settings.DATABASE_URL)
    return parsed.get("USER") or "", settings.DATABASE_PASSWORD or parsed.get("PASSWORD") or ""


def app_role_grants(role: str, owner: str, existing: set[str]) -> list[sql.Composable]:
    """Everything on every table and sequence of the schema, then the audit log taken back to
    INSERT and SELECT; default privileges so tables created by later migrations (as the owner) are
    granted as well (``db_app_role`` runs after every ``migrate`` and narrows new audit tables)."""
    r, o = sql.Identifier(role), sql.Identifier(owner)
    statements: list[sql.Composable] = [
        sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(
            sql.Identifier(connections["default"].settings_dict["NAME"]), r
        ),
        sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(r),
        sql.SQL("REVOKE CREATE ON SCHEMA public FROM {}").format(r),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(r),
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(r),
        sql.SQL(
            "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {}"
        ).format(o, r),
        sql.SQL(
            "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {}"
        ).format(o, r),
    ]
    for table in APPEND_ONLY_TABLES:
        if table not in existing:
            continue
        t = sql.Identifier(table)
        statements += [
            sql.SQL("REVOKE ALL ON TABLE {} FROM {}").format(t, r),
            sql.SQL("REVOKE ALL ON TABLE {} FROM PUBLIC").format(t),
            sql.SQL("GRANT SELECT, INSERT ON TABLE {} TO {}").format(t, r),
        ]
    return statements
