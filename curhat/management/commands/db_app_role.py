"""``manage.py db_app_role``: create or update the app's PostgreSQL role (the user of DATABASE_URL)
and its privileges, connected as the owner (DATABASE_OWNER_URL). Run after every ``migrate``
(docker-compose's migrate service does): read/write on every table and sequence, only INSERT and
SELECT on the audit log, default privileges for tables that later migrations create."""

from __future__ import annotations

import psycopg
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, transaction
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
                cursor.execute(
                    "SELECT current_user, rolsuper, rolcreaterole FROM pg_roles WHERE rolname = current_user"
                )
                owner, owner_super, owner_createrole = cursor.fetchone()
                if owner == role:
                    raise CommandError(
                        _("DATABASE_URL dan DATABASE_OWNER_URL memakai peran yang sama (%(role)s).")
                        % {"role": role}
                    )
                cursor.execute(
                    "SELECT rolsuper, rolcanlogin, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = %s",
                    [role],
                )
                found = cursor.fetchone()
                exists = found is not None
                if exists and found[0]:
                    # Never touch a superuser: it is someone's administrator account, not an app role
                    # that "owns nothing" (and taking its rights away could lock the office out).
                    raise CommandError(
                        _(
                            "Peran %(role)s (DATABASE_URL) adalah superuser: db_app_role tidak mengubahnya. "
                            "Pakai peran aplikasi tersendiri yang bukan superuser (mis. curhat_app), atau cabut "
                            "SUPERUSER-nya sendiri (ALTER ROLE %(role)s NOSUPERUSER)."
                        )
                        % {"role": role}
                    )
                if not owner_super and not owner_createrole and (not exists or password):
                    raise CommandError(
                        _(
                            "Peran pemilik %(owner)s tidak boleh membuat atau mengubah peran: ia perlu atribut "
                            "CREATEROLE (ALTER ROLE %(owner)s CREATEROLE, sebagai superuser) atau jadilah "
                            "superuser; atau buat peran %(role)s sendiri lalu jalankan perintah ini tanpa kata "
                            "sandi di DATABASE_URL."
                        )
                        % {"owner": owner, "role": role}
                    )
                try:
                    if not exists:
                        # The defaults: NOSUPERUSER NOCREATEDB NOCREATEROLE (a CREATEROLE owner may
                        # not even name the SUPERUSER attribute).
                        cursor.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
                    else:
                        wrong = [
                            attribute
                            for attribute, bad in (
                                ("LOGIN", not found[1]),
                                ("NOCREATEDB", found[2]),
                                ("NOCREATEROLE", found[3]),
                            )
                            if bad
                        ]
                        if wrong:
                            cursor.execute(
                                sql.SQL("ALTER ROLE {} WITH " + " ".join(wrong)).format(sql.Identifier(role))
                            )
                    if password:
                        cursor.execute(
                            sql.SQL("ALTER ROLE {} WITH PASSWORD {}").format(
                                sql.Identifier(role), sql.Literal(password)
                            )
                        )
                except DatabaseError as exc:
                    if not isinstance(exc.__cause__, psycopg.errors.InsufficientPrivilege):
                        raise
                    raise CommandError(
                        _(
                            "Peran pemilik %(owner)s tidak berhak mengubah peran %(role)s (%(error)s). Perlu: "
                            "superuser, atau CREATEROLE dengan ADMIN OPTION atas %(role)s (PostgreSQL 16+: peran "
                            "yang dibuatnya sendiri)."
                        )
                        % {"owner": owner, "role": role, "error": exc.__cause__}
                    ) from exc
                cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                existing = {row[0] for row in cursor.fetchall()}
                for statement in app_role_grants(role, owner, existing):
                    cursor.execute(statement)
        verb = _("diperbarui") if exists else _("dibuat")
        self.stdout.write(
            _("Peran aplikasi %(role)s %(verb)s: baca/tulis %(n)d tabel, log audit hanya tambah dan baca.")
            % {"role": role, "verb": verb, "n": len(existing)}
        )
