"""``manage.py db_app_role``: create or update the app's PostgreSQL role (the user of DATABASE_URL)
and its privileges, connected as the owner (DATABASE_OWNER_URL). Run after every ``migrate``
(docker-compose's migrate service does): read/write on every table and sequence, only INSERT and
SELECT on the audit log, default privileges for tables that later migrations create."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils.translation import gettext as _
from psycopg import sql

from curhat.dbroles import app_role, app_role_grants, owner_connection, owner_url


class Command(BaseCommand):
    help = _("Membuat/memperbarui peran basis data aplikasi dan haknya (pemilik: DATABASE_OWNER_URL).")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            self.stdout.write(_("SQLite: satu berkas, tidak ada peran basis data; tidak ada yang dilakukan."))
            return
        role, password = app_role()
        if not owner_url():
            self.stdout.write(
                _(
                    "DATABASE_OWNER_URL tidak diisi: aplikasi memakai peran pemilik (%(role)s); tidak ada yang dilakukan."
                )
                % {"role": role}
            )
            return
        with owner_connection() as switched:
            if not switched:
                raise CommandError(_("Tidak dapat terhubung sebagai pemilik."))
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT current_user")
                owner = cursor.fetchone()[0]
                if owner == role:
                    raise CommandError(
                        _("DATABASE_URL dan DATABASE_OWNER_URL memakai peran yang sama (%(role)s).")
                        % {"role": role}
                    )
                cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
                exists = cursor.fetchone() is not None
                if not exists:
                    cursor.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
                cursor.execute(
                    sql.SQL("ALTER ROLE {} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE").format(
                        sql.Identifier(role)
                    )
                )
                if password:
                    cursor.execute(
                        sql.SQL("ALTER ROLE {} WITH PASSWORD {}").format(
                            sql.Identifier(role), sql.Literal(password)
                        )
                    )
                cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                existing = {row[0] for row in cursor.fetchall()}
                for statement in app_role_grants(role, owner, existing):
                    cursor.execute(statement)
        verb = _("diperbarui") if exists else _("dibuat")
        self.stdout.write(
            _("Peran aplikasi %(role)s %(verb)s: baca/tulis %(n)d tabel, log audit hanya tambah dan baca.")
            % {"role": role, "verb": verb, "n": len(existing)}
        )
