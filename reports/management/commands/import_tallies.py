"""manage.py import_tallies FILE [--year 2021] [--source "..."]: historical monthly figures from the
office's JSON (data/parepare-tallies-2020-2021.json), a CSV or an XLSX table."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from reports import services


class Command(BaseCommand):
    help = "Mengimpor angka bulanan dari sebelum sistem (JSON, CSV atau XLSX); ditandai sebagai impor."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--year", type=int, help="tahun tabel per bulan dalam format kantor")
        parser.add_argument("--source", default="", help="catatan sumber yang disimpan bersama setiap angka")
        parser.add_argument("--dry-run", action="store_true", help="baca dan tampilkan saja, tidak menyimpan")

    def handle(self, *args, path: str, year: int | None, source: str, dry_run: bool, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(_("berkas tidak ada: %(path)s") % {"path": path})
        content = file.read_bytes()
        source = source or f"Impor {file.name}"
        suffix = file.suffix.lower()
        try:
            if suffix == ".json":
                figures = services.figures_from_office_json(content)
            elif suffix in (".xlsx", ".xlsm"):
                figures = services.figures_from_xlsx(content, year=year, source=source)
            else:
                figures = services.figures_from_csv(content, year=year, source=source)
            if dry_run:
                for f in figures:
                    self.stdout.write(f"{f.year}-{f.month:02d} {f.channel}: {f.count}")
                return
            result = services.historical_tallies_import(figures=figures, imported=True)
        except services.ImportError_ as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _("%(n)d angka: %(created)d dibuat, %(updated)d diperbarui")
                % {"n": len(figures), "created": result.created, "updated": result.updated}
            )
        )
