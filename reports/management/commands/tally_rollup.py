"""manage.py tally_rollup [--rebuild] [--verify]: the PostgreSQL tally rollup.

--rebuild reinstalls the trigger for the current TIME_ZONE and recounts (needed after changing
CURHAT_TIME_ZONE); --verify compares the rollup with a raw count and fails on any difference.
On SQLite there is no rollup (the tally counts tickets directly): the command says so and exits 0.
--rebuild installs a trigger: run it as the owner role (DATABASE_OWNER_URL, docs/operations.md).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection
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
            with owner_connection() as as_owner:
                try:
                    rollup_rebuild()
                except DatabaseError as exc:
                    if getattr(exc.__cause__, "sqlstate", None) != "42501":  # insufficient_privilege
                        raise
                    raise CommandError(_not_the_owner(as_owner, exc)) from exc
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


def _not_the_owner(as_owner: bool, exc: DatabaseError) -> str:
    if as_owner:
        return _(
            "Peran DATABASE_OWNER_URL tidak berhak memasang trigger rollup (%(error)s): isi dengan peran "
            "pemilik tabel."
        ) % {"error": str(exc).strip()}
    return _(
        "Menyusun ulang rollup memasang trigger, jadi harus berjalan sebagai peran pemilik tabel, bukan "
        "peran aplikasi (%(error)s). Isi DATABASE_OWNER_URL (compose: docker compose run --rm migrate "
        "python manage.py tally_rollup --rebuild; docs/operations.md §2)."
    ) % {"error": str(exc).strip().splitlines()[0]}
