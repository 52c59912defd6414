from django.core.management.base import BaseCommand

from tickets.knowledge.entries import knowledge_seed
from tickets.reference_data import reference_data_seed


class Command(BaseCommand):
    help = (
        "Create what is missing of the office's reference data (idempotent, never overwrites admin edits): "
        "roles, departments (bidang), topics, and the knowledge base (requirement checklists, classifier phrases)."
    )

    def handle(self, *args, **options):
        created = reference_data_seed()
        knowledge = knowledge_seed()
        self.stdout.write(
            f"roles +{created['roles']}, departments +{created['departments']}, topics +{created['topics']}, "
            f"knowledge entries +{knowledge['entries']}, phrases +{knowledge['phrases']}"
        )
