"""System checks of the platform's settings (ids curhat.E0xx), run by ``check`` (the compose services
run ``check --deploy --fail-level ERROR`` before they start), ``migrate`` and ``runserver``.

Each catches a value that the settings accept but that breaks the running site in a way nobody sees
at start (issue 18, outside test): DEBUG in production, an allowed host with a scheme or port (every
request 400), a rate without a period (/masuk/ 500), a client-address META key that is a header name
(every form post 500), a metrics network that is no network (nothing allowed, silently)."""

from __future__ import annotations

import ipaddress
import re

from django.conf import settings
from django.core.checks import Error, register
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from .clientaddr import header_name
from .env import host_entry_problem

# Every django-ratelimit rate the settings define ("" is off).
RATE_SETTINGS = (
    "CURHAT_LOGIN_RATE",
    "CURHAT_TRACKING_RATE_PER_IP",
    "CURHAT_TRACKING_LOOKUP_RATE_PER_IP",
    "CURHAT_WEBHOOK_RATE_PER_IP",
    "CURHAT_WEBSITE_RATE_PER_IP",
    "CURHAT_WEBSITE_RATE_PER_CONTACT",
)
# "count/period": period s, m, h or d, optionally with a multiplier ("100/5m").
RATE_RE = re.compile(r"\d+/\d*[smhd]")


@register("curhat")
def production_debug_check(app_configs=None, **kwargs) -> list[Error]:
    if not getattr(settings, "CURHAT_DEBUG_REFUSED", False):
        return []
    return [
        Error(
            _("DJANGO_DEBUG=1 bersama CURHAT_PRODUCTION=1: mode produksi berarti DEBUG mati."),
            hint=_(
                "Hapus DJANGO_DEBUG dari .env (atau isi 0). DEBUG tetap dimatikan selama CURHAT_PRODUCTION=1; "
                "halaman galat debug membocorkan pengaturan dan data warga."
            ),
            id="curhat.E001",
        )
    ]


_HOST_PROBLEMS = {
    "scheme": _lazy("ada skemanya (https://)"),
    "port": _lazy("ada port-nya"),
    "path": _lazy("ada jalurnya (/...)"),
}


@register("curhat")
def allowed_hosts_check(app_configs=None, **kwargs) -> list[Error]:
    errors = []
    for entry in settings.ALLOWED_HOSTS:
        problem = _HOST_PROBLEMS.get(host_entry_problem(entry))
        if problem:
            errors.append(
                Error(
                    _(
                        "DJANGO_ALLOWED_HOSTS berisi %(entry)r: %(problem)s. Setiap permintaan akan ditolak (400)."
                    )
                    % {"entry": entry, "problem": problem},
                    hint=_(
                        "Tulis nama host saja, tanpa skema (https://), port (:8443) atau jalur, "
                        "mis. curhat.kabupaten.go.id."
                    ),
                    id="curhat.E002",
                )
            )
    return errors


@register("curhat")
def rates_check(app_configs=None, **kwargs) -> list[Error]:
    errors = []
    for name in RATE_SETTINGS:
        value = getattr(settings, name, "") or ""
        if value and not RATE_RE.fullmatch(value):
            errors.append(
                Error(
                    _("%(name)s=%(value)r bukan laju yang sah (jumlah/periode).")
                    % {"name": name, "value": value},
                    hint=_(
                        "Tulis jumlah/periode dengan periode s, m, h atau d, mis. 20/m atau 100/5m; "
                        "off mematikan batasnya."
                    ),
                    id="curhat.E003",
                )
            )
    return errors


@register("curhat")
def client_address_key_check(app_configs=None, **kwargs) -> list[Error]:
    key = getattr(settings, "CURHAT_CLIENT_IP_META_KEY", "") or "REMOTE_ADDR"
    if key == "REMOTE_ADDR" or re.fullmatch(r"HTTP_[A-Z0-9_]+", key):
        return []
    suggestion = "HTTP_" + re.sub(r"[^A-Z0-9]+", "_", key.upper()).strip("_").removeprefix("HTTP_")
    return [
        Error(
            _(
                "CURHAT_RATELIMIT_IP_META_KEY=%(key)r bukan kunci META: setiap kiriman formulir akan galat (500)."
            )
            % {"key": key},
            hint=_(
                "Isi REMOTE_ADDR (tanpa proxy) atau kunci META header dari proxy: header %(header)s ditulis "
                "%(suggestion)s."
            )
            % {"header": header_name(suggestion), "suggestion": suggestion},
            id="curhat.E004",
        )
    ]


@register("curhat")
def metrics_networks_check(app_configs=None, **kwargs) -> list[Error]:
    errors = []
    for network in getattr(settings, "CURHAT_METRICS_ALLOWED_NETWORKS", []):
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError as exc:
            errors.append(
                Error(
                    _("CURHAT_METRICS_ALLOWED_NETWORKS berisi %(network)r, yang bukan jaringan (%(error)s).")
                    % {"network": network, "error": exc},
                    hint=_("Tulis jaringan CIDR yang sah, dipisah koma, mis. 10.0.0.0/8,192.168.1.0/24."),
                    id="curhat.E005",
                )
            )
    return errors


@register("curhat", deploy=True)
def production_exposure_check(app_configs=None, **kwargs) -> list[Error]:
    """Production settings that start and serve but quietly defeat the office (outside test, second
    round): the sandbox (replies recorded, never sent), any host allowed, /metrics open to every
    network or behind a guessable token, a proxy count below one."""
    if not getattr(settings, "PRODUCTION", False):
        return []
    errors = []
    if getattr(settings, "CURHAT_SANDBOX", False):
        errors.append(
            Error(
                _("CURHAT_SANDBOX=1 di produksi: balasan hanya dicatat, tidak pernah dikirim ke warga."),
                hint=_("Hapus CURHAT_SANDBOX dari .env (atau isi 0) dan isi akun kanal yang sebenarnya."),
                id="curhat.E006",
            )
        )
    if "*" in settings.ALLOWED_HOSTS:
        errors.append(
            Error(
                _("DJANGO_ALLOWED_HOSTS=* di produksi: setiap nama host diterima."),
                hint=_("Tulis nama host kantor, mis. curhat.kabupaten.go.id."),
                id="curhat.E007",
            )
        )
    for network in getattr(settings, "CURHAT_METRICS_ALLOWED_NETWORKS", []):
        try:
            everyone = ipaddress.ip_network(network, strict=False).prefixlen == 0
        except ValueError:
            continue  # E005 says so
        if everyone:
            errors.append(
                Error(
                    _(
                        "CURHAT_METRICS_ALLOWED_NETWORKS berisi %(network)r: /metrics terbuka untuk semua orang."
                    )
                    % {"network": network},
                    hint=_("Tulis jaringan pemantau saja (mis. 10.0.0.0/8) atau pakai CURHAT_METRICS_TOKEN."),
                    id="curhat.E008",
                )
            )
    token = getattr(settings, "CURHAT_METRICS_TOKEN", "") or ""
    if token and len(token) < MIN_METRICS_TOKEN_LENGTH:
        errors.append(
            Error(
                _("CURHAT_METRICS_TOKEN terlalu pendek (kurang dari %(length)d karakter).")
                % {"length": MIN_METRICS_TOKEN_LENGTH},
                hint=_(
                    "Buat token acak, mis. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`."
                ),
                id="curhat.E009",
            )
        )
    if int(getattr(settings, "CURHAT_TRUSTED_PROXIES", 1)) < 1:
        errors.append(
            Error(
                _("CURHAT_TRUSTED_PROXIES harus 1 atau lebih (jumlah proxy kita di depan aplikasi)."),
                hint=_("Isi 1 untuk satu proxy (nginx), 2 bila ada penyeimbang beban di depannya."),
                id="curhat.E010",
            )
        )
    return errors


MIN_METRICS_TOKEN_LENGTH = 24
