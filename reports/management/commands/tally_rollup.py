"""manage.py tally_rollup [--rebuild] [--verify]: the PostgreSQL tally rollup.

--rebuild reinstalls the trigger for the current TIME_ZONE and recounts (needed after changing
CURHAT_TIME_ZONE); --verify compares the rollup with a raw count and fails on any difference.
On SQLite there is no rollup (the tally counts tickets directly): the command says so and exits 0.
--rebuild installs a trigger: run it as the owner role (DATABASE_OWNER_URL, docs/operations.md).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils.translation import gettext as _

from curhat.dbroles import owner_connection
from reports.rollup import rollup_differences, rollup_rebuild


class Command(BaseCommand):
    help = "Menyusun ulang atau memeriksa rekap bulanan (rollup; hanya PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true")
        parser.add_argument("--verify", action="store_true")

    def handle(self, *args, rebuild: bool, verify: bool, **options):
        if connection.vendor != "postgresql":
            self.stdout.write(
                _(
                    "Rollup hanya ada di PostgreSQL; di SQLite rekap menghitung tiket langsung. Tidak ada yang dilakukan."
                )
            )
            return
        if rebuild:
            with owner_connection():
                rollup_rebuild()
            self.stdout.write(self.style.SUCCESS(_("rollup disusun ulang")))
        if verify or not rebuild:
            differences = rollup_differences()
            if differences:
                for month, channel, rolled, raw in differences[:50]:
                    self.stderr.write(
                        _("%(month)s %(channel)s: rollup %(rolled)d ≠ hitungan %(raw)d")
                        % {"month": month, "channel": channel, "rolled": rolled, "raw": raw}
                    )
                raise CommandError(_("%(n)d sel berbeda") % {"n": len(differences)})
            self.stdout.write(self.style.SUCCESS(_("rollup sama dengan hitungan langsung")))
