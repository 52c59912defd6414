"""Post a correctly signed provider webhook to a running app (how a newcomer sees a WhatsApp
message arrive on the embedded default):

    manage.py simulate meta_whatsapp --from 081234567890 --text "Syarat KK baru apa?"
    manage.py simulate twilio_voice --from 081234567890 --duration 95

Twilio signs the public URL, so the signature uses CURHAT_PUBLIC_BASE_URL whatever --url is.
"""

from __future__ import annotations

from collections.abc import Callable

import requests
from django.core.management.base import BaseCommand, CommandError

from channels import simulation
from channels.models import ChannelAccount

# Provider → the webhooks it would send for one citizen contact (a call sends two).
BUILDERS: dict[str, Callable[..., list[simulation.SignedWebhook]]] = {
    "meta_whatsapp": lambda account, o: [
        simulation.meta_whatsapp_text(account, sender=o["sender"], text=o["text"], name=o["name"])
    ],
    "twilio_whatsapp": lambda account, o: [
        simulation.twilio_whatsapp_text(account, sender=o["sender"], text=o["text"], name=o["name"])
    ],
    "messenger": lambda account, o: [simulation.messenger_text(account, sender=o["sender"], text=o["text"])],
    "twilio_voice": lambda account, o: simulation.twilio_voice_call(
        account, sender=o["sender"], duration=o["duration"]
    ),
}
PROVIDERS = tuple(BUILDERS)


class Command(BaseCommand):
    help = "Kirim webhook bertanda tangan yang sah (bentuk dokumentasi penyedia) ke aplikasi yang berjalan."

    def add_arguments(self, parser):
        parser.add_argument("provider", choices=PROVIDERS)
        parser.add_argument("--from", dest="sender", default="081234567890", help="nomor/PSID pengirim")
        parser.add_argument("--text", default="Selamat pagi, syarat membuat KK baru apa saja?")
        parser.add_argument("--name", default="Warga Simulasi")
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="alamat aplikasi yang berjalan")
        parser.add_argument("--account", help="slug akun kanal (bawaan: akun aktif pertama penyedia ini)")
        parser.add_argument("--duration", type=int, help="twilio_voice: detik; juga kirim status 'completed'")

    def handle(self, *args, provider, sender, text, name, url, account, duration, **options):
        accounts = ChannelAccount.objects.filter(provider=provider, is_active=True)
        chosen = accounts.filter(slug=account).first() if account else accounts.order_by("pk").first()
        if chosen is None:
            raise CommandError(
                f"tidak ada akun kanal aktif untuk {provider}"
                + (f" dengan slug {account}" if account else "")
            )
        hooks = BUILDERS[provider](
            chosen, {"sender": sender, "text": text, "name": name, "duration": duration}
        )
        for hook in hooks:
            try:
                response = requests.post(
                    url.rstrip("/") + hook.path, data=hook.body, headers=hook.headers, timeout=30
                )
            except requests.RequestException as exc:
                raise CommandError(f"aplikasi di {url} tidak bisa dihubungi: {exc}") from exc
            self.stdout.write(f"POST {hook.path} → {response.status_code} {response.text[:300]}")
            if response.status_code >= 400:
                raise CommandError("webhook ditolak")
