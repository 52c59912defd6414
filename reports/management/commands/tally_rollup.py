"""manage.py tally_rollup [--rebuild] [--verify]: the PostgreSQL tally rollup.

--rebuild reinstalls the trigger for the current TIME_ZONE and recounts (needed after changing
CURHAT_TIME_ZONE); --verify compares the rollup with a raw count and fails on any difference.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from reports.rollup import rollup_differences, rollup_rebuild


class Command(BaseCommand):
    help = "Rebuild or verify the tally rollup (PostgreSQL only)."

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true")
        parser.add_argument("--verify", action="store_true")

    def handle(self, *args, rebuild: bool, verify: bool, **options):
        if connection.vendor != "postgresql":
            raise CommandError("the rollup exists on PostgreSQL only (SQLite counts tickets directly)")
        if rebuild:
            rollup_rebuild()
            self.stdout.write(self.style.SUCCESS("rollup rebuilt"))
        if verify or not rebuild:
            differences = rollup_differences()
            if differences:
                for month, channel, rolled, raw in differences[:50]:
                    self.stderr.write(f"{month} {channel}: rollup {rolled} != raw {raw}")
                raise CommandError(f"{len(differences)} cells differ")
            self.stdout.write(self.style.SUCCESS("rollup equals the raw count"))
