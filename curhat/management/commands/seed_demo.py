from django.core.management.base import BaseCommand

from curhat.demo.office import DEMO_USERS
from curhat.demo.seed import demo_data_seed
from tickets.models import Ticket


class Command(BaseCommand):
    help = "Create demo staff, channel accounts and realistic consultations (for the embedded default)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--rounds", type=int, default=2, help="How many times to replay the demo conversations."
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if there are tickets already."
        )

    def handle(self, *args, rounds: int, if_empty: bool, **options):
        if if_empty and Ticket.objects.exists():
            self.stdout.write("Tickets already exist; demo data not added.")
        else:
            result = demo_data_seed(rounds=rounds)
            self.stdout.write(f"Demo: {result['tickets']} tickets created.")
        self.stdout.write("Demo users (username / password / role):")
        for user in DEMO_USERS:
            self.stdout.write(f"  {user.username:<14} {user.password:<22} {user.role}")
