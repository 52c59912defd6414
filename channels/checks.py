"""System checks: every listed provider package can serve; a channel account that is switched on must
have its secrets (DESIGN §5.7)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register
from django.db import DatabaseError


@register("curhat")
def channel_secrets_check(app_configs=None, **kwargs) -> list[Error]:
    from .models import ChannelAccount
    from .registry import required_secrets

    needed = required_secrets()
    try:
        accounts = list(ChannelAccount.objects.filter(is_active=True, provider__in=list(needed)))
    except DatabaseError:
        # Before the first migrate (or with the database down) there is nothing to check yet.
        return []
    errors = []
    for account in accounts:
        missing = [name for name in needed[account.provider] if not account.secret_values(name)]
        if missing:
            errors.append(
                Error(
                    f"Akun kanal '{account.slug}' ({account.provider}) aktif tetapi tanpa rahasia: "
                    + ", ".join(missing),
                    hint=f"Isi {', '.join(account._env_name(n) for n in missing)} (atau _FILE), atau "
                    "isi 'rahasia' akun di admin, atau nonaktifkan akun.",
                    obj=account,
                    id="channels.E001",
                )
            )
    return errors


@register("curhat")
def provider_packages_check(app_configs=None, **kwargs) -> list[Error]:
    """A package listed in CURHAT_CHANNEL_PROVIDERS that does not import (one written for an earlier
    release, a missing dependency) or does not say what it serves would silently leave its channel
    without webhooks or replies: say so at start."""
    from .registry import package_problems

    errors = []
    for path in settings.CURHAT_CHANNEL_PROVIDERS:
        problems = package_problems(path)
        if problems:
            errors.append(
                Error(
                    f"Paket penyedia '{path}' tidak dapat melayani: " + "; ".join(problems),
                    hint="Perbaiki paketnya (kontrak: docs/adding-a-channel.md; tipe dan pengirim kini di "
                    "tickets.inbound dan tickets.relay.senders) atau hapus dari CURHAT_CHANNEL_PROVIDERS.",
                    obj=path,
                    id="channels.E002",
                )
            )
    return errors


_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}  # noqa: S104  (names, not a bind)


@register("curhat", deploy=True)
def public_base_url_check(app_configs=None, **kwargs) -> list[Error]:
    """Production: the URL providers call (and Twilio signs) must be the public https one. An http://
    or loopback value (the example's http://127.0.0.1:8000 left in a .env) makes every signed Twilio
    webhook fail verification and every callback URL we hand out unreachable (issue 18)."""
    if not getattr(settings, "PRODUCTION", False):
        return []
    import ipaddress
    from urllib.parse import urlsplit

    url = settings.PUBLIC_BASE_URL
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        loopback = (
            host in _LOOPBACK_HOSTS or host.endswith(".localhost") or ipaddress.ip_address(host).is_loopback
        )
    except ValueError:
        loopback = False
    if parts.scheme == "https" and host and not loopback:
        return []
    return [
        Error(
            f"CURHAT_PUBLIC_BASE_URL ({url!r}) bukan alamat https publik / is not a public https URL.",
            hint="Isi CURHAT_PUBLIC_BASE_URL dengan alamat https yang dipanggil penyedia, mis. "
            "https://curhat.kabupaten.go.id (atau kosongkan: https:// dan nama pertama DJANGO_ALLOWED_HOSTS). "
            "Set it to the https URL providers call, or leave it unset.",
            id="channels.E003",
        )
    ]
