from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from tickets.knowledge.entries import knowledge_seed
from tickets.reference_data import reference_data_seed


class Command(BaseCommand):
    help = (
        "Membuat data acuan kantor yang belum ada (aman diulang, tidak menimpa suntingan admin): "
        "peran, bidang, topik, dan basis pengetahuan (daftar syarat, frasa pengklasifikasi)."
    )

    def handle(self, *args, **options):
        created = reference_data_seed()
        knowledge = knowledge_seed()
        self.stdout.write(
            _(
                "peran +%(roles)d, bidang +%(departments)d, topik +%(topics)d, "
                "entri pengetahuan +%(entries)d, frasa +%(phrases)d"
            )
            % {**created, "entries": knowledge["entries"], "phrases": knowledge["phrases"]}
        )
