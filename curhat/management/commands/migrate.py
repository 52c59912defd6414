"""``migrate`` as the owner role when ``DATABASE_OWNER_URL`` is set (docs/operations.md): the tables
belong to the owner, the app's own role (DATABASE_URL) only gets privileges on them
(``manage.py db_app_role``). Unset, Django's migrate runs as DATABASE_URL, unchanged."""

from __future__ import annotations

from django.core.management.commands.migrate import Command as DjangoMigrateCommand

from curhat.dbroles import owner_connection


class Command(DjangoMigrateCommand):
    def handle(self, *args, **options):
        with owner_connection(options["database"]):
            return super().handle(*args, **options)
