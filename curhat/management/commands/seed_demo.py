from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from curhat.demo.office import DEMO_USERS
from curhat.demo.seed import demo_data_seed
from tickets.models import Ticket


class Command(BaseCommand):
    help = "Membuat petugas, akun kanal dan konsultasi contoh (untuk mode bawaan)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--rounds", type=int, default=2, help="Berapa kali percakapan contoh diputar ulang."
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="Tidak melakukan apa pun bila sudah ada tiket."
        )

    def handle(self, *args, rounds: int, if_empty: bool, **options):
        if settings.PRODUCTION:
            raise CommandError(
                _(
                    "seed_demo membuat petugas contoh dengan kata sandi yang diketahui: ditolak karena CURHAT_PRODUCTION=1."
                )
            )
        if if_empty and Ticket.objects.exists():
            self.stdout.write(_("Sudah ada tiket; data contoh tidak ditambahkan."))
        else:
            result = demo_data_seed(rounds=rounds)
            self.stdout.write(_("Contoh: %(n)d tiket dibuat.") % {"n": result["tickets"]})
        self.stdout.write(_("Pengguna contoh (nama pengguna / kata sandi / peran):"))
        for user in DEMO_USERS:
            self.stdout.write(f"  {user.username:<14} {user.password:<22} {user.role}")
