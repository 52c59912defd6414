"""manage.py workday_calendar: rebuild the working-day table after changing office hours settings."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from reports.services import workday_calendar_rebuild


class Command(BaseCommand):
    help = "Rebuild the working-day calendar from settings and public holidays."

    def handle(self, *args, **options):
        self.stdout.write(self.style.SUCCESS(f"{workday_calendar_rebuild()} days"))
