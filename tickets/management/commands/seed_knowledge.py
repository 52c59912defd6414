from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from tickets.knowledge.entries import canned_answers_sync_all, knowledge_seed


class Command(BaseCommand):
    help = (
        "Membuat daftar syarat dan frasa pengklasifikasi yang belum ada (aman diulang; tidak menimpa "
        "suntingan admin), dan memperbarui jawaban siapnya."
    )

    def add_arguments(self, parser):
        parser.add_argument("--refresh-canned", action="store_true", help="Susun ulang setiap jawaban siap.")

    def handle(self, *args, **options):
        created = knowledge_seed()
        if options["refresh_canned"]:
            canned_answers_sync_all()
        self.stdout.write(
            _("entri +%(entries)d, frasa +%(phrases)d, jawaban siap %(canned_answers)d") % created
        )
