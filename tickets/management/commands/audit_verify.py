"""manage.py audit_verify [--expect-head ID:HASH]: check the audit log's hash chain.

Prints OK with the head (last id and hash: record it outside the database to catch rows cut off the
end later) and exits 0, or names the first broken link (row id, what differs) and exits 1."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tickets.privacy.chain import audit_chain_verify


class Command(BaseCommand):
    help = _("Memeriksa rantai hash log audit; keluar dengan kode bukan nol pada mata rantai rusak pertama.")

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default")
        parser.add_argument(
            "--expect-head",
            metavar="ID:HASH",
            help=gettext_lazy(
                "kepala yang dicetak oleh jalankan sebelumnya: baris itu harus masih ada dengan hash itu"
            ),
        )

    def handle(self, *args, **options):
        expect = None
        if options["expect_head"]:
            pk, _sep, digest = options["expect_head"].partition(":")
            if not pk.isdigit() or len(digest) != 64:
                raise CommandError(
                    _("--expect-head memerlukan ID:HASH seperti yang dicetak jalankan sebelumnya")
                )
            expect = (int(pk), digest)
        report = audit_chain_verify(using=options["database"], expect_head=expect)
        if not report.ok:
            self.stderr.write(report.describe())
            raise SystemExit(1)
        self.stdout.write(report.describe())
