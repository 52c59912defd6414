"""manage.py nik_rehash --old-key-file FILE: move the NIK/KK index to CURHAT_NIK_HASH_KEY."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tickets.privacy.rekey import WrongOldKey, nik_rehash


class Command(BaseCommand):
    # The command the key checks (tickets.E010-E014) send the operator to: it must run while they fail.
    requires_system_checks: list[str] = []
    help = (
        "Recompute every stored NIK/KK hash with the current CURHAT_NIK_HASH_KEY. Give the previous key "
        "in a file (--old-key-file), or --old-key-is-secret-key when upgrading from a release that keyed "
        "the hashes with SECRET_KEY. Also indexes numbers the finder missed before."
    )

    def add_arguments(self, parser) -> None:
        old = parser.add_mutually_exclusive_group(required=True)
        old.add_argument("--old-key-file", type=Path, help="file holding the previous key")
        old.add_argument(
            "--old-key-is-secret-key",
            action="store_true",
            help="the previous key is DJANGO_SECRET_KEY (releases before CURHAT_NIK_HASH_KEY)",
        )
        parser.add_argument("--dry-run", action="store_true", help="count, change nothing")

    def handle(self, *args, old_key_file: Path | None, old_key_is_secret_key: bool, dry_run: bool, **options):
        if old_key_is_secret_key:
            old_key = settings.SECRET_KEY
        else:
            assert old_key_file is not None
            try:
                old_key = old_key_file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise CommandError(
                    _("Tidak dapat membaca %(file)s: %(error)s") % {"file": old_key_file, "error": exc}
                ) from exc
        if not old_key:
            raise CommandError(_("Kunci lama kosong."))
        new_key = settings.CURHAT_NIK_HASH_KEY
        if not new_key:
            raise CommandError(_("CURHAT_NIK_HASH_KEY belum diisi."))
        try:
            result = nik_rehash(old_key=old_key, new_key=new_key, dry_run=dry_run)
        except WrongOldKey as exc:
            raise CommandError(
                _(
                    "Kunci lama tidak cocok dengan satu pun dari %(count)d hash tersimpan; tidak ada yang diubah."
                )
                % {"count": exc.unexplained}
            ) from exc
        summary = _(
            "%(rehashed)d hash dipindah ke kunci baru, %(already)d sudah dengan kunci baru, %(added)d nomor baru "
            "diindeks, %(unexplained)d tidak dapat dijelaskan (dibiarkan)."
        )
        if dry_run:
            summary = _(
                "Uji coba (tidak ada yang diubah): %(rehashed)d hash akan dipindah ke kunci baru, %(already)d "
                "sudah dengan kunci baru, %(added)d nomor baru akan diindeks, %(unexplained)d tidak dapat "
                "dijelaskan (dibiarkan)."
            )
        self.stdout.write(summary % result.__dict__)
