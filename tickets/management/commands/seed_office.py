from django.core.management.base import BaseCommand

from tickets.reference_data import reference_data_seed


class Command(BaseCommand):
    help = "Create the roles, departments (bidang) and topics of domain.md that are missing (idempotent)."

    def handle(self, *args, **options):
        created = reference_data_seed()
        self.stdout.write(
            f"roles +{created['roles']}, departments +{created['departments']}, topics +{created['topics']}"
        )
