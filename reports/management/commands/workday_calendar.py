"""manage.py workday_calendar: rebuild the working-day table after changing office hours settings."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from reports.services import workday_calendar_rebuild


class Command(BaseCommand):
    help = "Menyusun ulang kalender hari kerja dari pengaturan dan hari libur."

    def handle(self, *args, **options):
        self.stdout.write(self.style.SUCCESS(_("%(n)d hari") % {"n": workday_calendar_rebuild()}))
