from django.core.management.base import BaseCommand

from tickets.knowledge.entries import canned_answers_sync_all, knowledge_seed


class Command(BaseCommand):
    help = (
        "Create the requirement checklists (syarat) and classifier phrases of domain.md that are missing "
        "(idempotent; never overwrites what an admin edited), and refresh their canned answers."
    )

    def add_arguments(self, parser):
        parser.add_argument("--refresh-canned", action="store_true", help="Re-render every canned answer.")

    def handle(self, *args, **options):
        created = knowledge_seed()
        if options["refresh_canned"]:
            canned_answers_sync_all()
        self.stdout.write(
            f"entries +{created['entries']}, phrases +{created['phrases']}, "
            f"canned answers {created['canned_answers']}"
        )
