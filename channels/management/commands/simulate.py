"""Post a correctly signed provider webhook to a running app (how a newcomer sees a WhatsApp
message arrive on the embedded default):

    manage.py simulate meta_whatsapp --from 081234567890 --text "Syarat KK baru apa?"
    manage.py simulate twilio_voice --from 081234567890 --duration 95

Twilio signs the public URL, so the signature uses CURHAT_PUBLIC_BASE_URL whatever --url is.
Against a production app (``--url http://127.0.0.1:8000`` on the server) the request carries an allowed
``Host`` (``--host``; by default the public URL's host when allowed, else the first allowed host name)
and, behind the proxy, ``X-Forwarded-Proto: https`` as the proxy would.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.http.request import validate_host

from channels import simulation
from channels.models import ChannelAccount
from curhat.env import host_entry_problem

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
        parser.add_argument(
            "--host",
            help="header Host yang dikirim (bawaan: nama host CURHAT_PUBLIC_BASE_URL bila diizinkan, atau nama "
            "pertama DJANGO_ALLOWED_HOSTS, bila host --url tidak diizinkan)",
        )
        parser.add_argument("--account", help="slug akun kanal (bawaan: akun aktif pertama penyedia ini)")
        parser.add_argument("--duration", type=int, help="twilio_voice: detik; juga kirim status 'completed'")

    def handle(self, *args, provider, sender, text, name, url, host, account, duration, **options):
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
        extra = _proxy_headers(url, host)
        for hook in hooks:
            try:
                response = requests.post(
                    url.rstrip("/") + hook.path, data=hook.body, headers={**hook.headers, **extra}, timeout=30
                )
            except requests.RequestException as exc:
                raise CommandError(f"aplikasi di {url} tidak bisa dihubungi: {exc}") from exc
            self.stdout.write(f"POST {hook.path} → {response.status_code} {response.text[:300]}")
            if response.status_code >= 400:
                raise CommandError("webhook ditolak")


def _proxy_headers(url: str, host: str | None) -> dict[str, str]:
    """What the reverse proxy would add: an allowed Host when the URL's own is not allowed (production
    allows only the public name: a post to 127.0.0.1 was a 400 DisallowedHost), and the https marker
    when the app trusts one (SECURE_PROXY_SSL_HEADER; otherwise a 301 to https)."""
    headers: dict[str, str] = {}
    chosen = host or _default_host(url)
    if chosen:
        headers["Host"] = chosen
    proxy_ssl = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy_ssl:
        name, value = proxy_ssl
        headers[name.removeprefix("HTTP_").replace("_", "-").title()] = value
    return headers


def _default_host(url: str) -> str:
    allowed = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]  # Django's own under DEBUG
    own = urlsplit(url).hostname or ""
    if validate_host(own, allowed):
        return ""  # the URL's host is fine as it is
    public = urlsplit(settings.PUBLIC_BASE_URL).hostname or ""
    if public and validate_host(public, allowed):
        return public
    for entry in allowed:
        if entry != "*" and not host_entry_problem(entry):
            return entry.lstrip(".")
    return ""
