"""manage.py nik_rehash --old-key-file FILE: move the NIK/KK index to CURHAT_NIK_HASH_KEY."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tickets.privacy.rekey import WrongOldKey, nik_rehash


class Command(BaseCommand):
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
                raise CommandError(f"cannot read {old_key_file}: {exc}") from exc
        if not old_key:
            raise CommandError("the old key is empty")
        new_key = settings.CURHAT_NIK_HASH_KEY
        if not new_key:
            raise CommandError("CURHAT_NIK_HASH_KEY is not set")
        try:
            result = nik_rehash(old_key=old_key, new_key=new_key, dry_run=dry_run)
        except WrongOldKey as exc:
            raise CommandError(f"{exc}; nothing was changed") from exc
        prefix = "would be " if dry_run else ""
        self.stdout.write(
            f"{result.rehashed} hashes {prefix}rehashed, {result.already} already under the new key, "
            f"{result.added} numbers {prefix}newly indexed, {result.unexplained} unexplained (left as they are)"
        )
