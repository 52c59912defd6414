"""The client's address, the one way the whole site reads it: behind a reverse proxy REMOTE_ADDR is
the proxy, so the address comes from the request META key the proxy sets
(``CURHAT_RATELIMIT_IP_META_KEY``, e.g. ``HTTP_X_REAL_IP``; setting ``CURHAT_CLIENT_IP_META_KEY``). The rate
limits (django-ratelimit) read it here too (:func:`ratelimit_ip`).

``via_unnamed_proxy`` tells a request that came through a proxy (forwarding headers present) while
no such key is configured: its REMOTE_ADDR is the proxy's, so nothing may be allowed by address
(/metrics then needs its token)."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

FORWARDING_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED")


def client_meta_key() -> str:
    return getattr(settings, "CURHAT_CLIENT_IP_META_KEY", "") or "REMOTE_ADDR"


def client_address(request) -> str:
    """The client's address as the configured key gives it ("" when the request lacks it). A list
    (X-Forwarded-For: "a, b") gives the entry our proxies added: with ``CURHAT_TRUSTED_PROXIES`` = 1
    (the default, one proxy in front of the app) the last one; with 2 (a load balancer, then nginx)
    the one before it; earlier entries are whatever the client sent. Not checked: see
    :func:`client_ip`."""
    value = str(request.META.get(client_meta_key(), "") or "")
    entries = [entry.strip() for entry in value.split(",")]
    proxies = max(1, int(getattr(settings, "CURHAT_TRUSTED_PROXIES", 1) or 1))
    return entries[-proxies] if len(entries) >= proxies else entries[0]


def client_ip(request) -> str | None:
    """:func:`client_address` if it is an IP address (what a database column of addresses takes),
    else None: a header holding garbage is no address. Without the configured key in the request
    (a direct request to gunicorn, a test client), REMOTE_ADDR."""
    if request is None:
        return None
    meta_key = client_meta_key()
    value = client_address(request) if request.META.get(meta_key) else request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(str(value or "").strip()))
    except ValueError:
        return None


def ratelimit_ip(request) -> str:
    """django-ratelimit's client address (``RATELIMIT_IP_META_KEY`` names this function): :func:`client_ip`,
    or REMOTE_ADDR when the header holds no address. A request without the proxy's header at all came
    around the proxy (or the proxy does not set it): ImproperlyConfigured, which curhat.middleware
    answers with a 400 naming the header, so a misconfigured proxy shows at once instead of every
    citizen sharing the proxy's one count."""
    if missing_client_address(request):
        raise ImproperlyConfigured(f"{client_meta_key()} missing from the request")
    return client_ip(request) or request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104 (an address to count by, not to bind)


def via_unnamed_proxy(request) -> bool:
    return client_meta_key() == "REMOTE_ADDR" and any(request.META.get(h) for h in FORWARDING_HEADERS)


def missing_client_address(request) -> str:
    """The header the proxy should have set but this request lacks ("" when it has it, or when the
    address is REMOTE_ADDR): such a request reached gunicorn around the proxy (or the proxy does not
    set it), so no per-address limit can count it. django-ratelimit raises ImproperlyConfigured then;
    curhat.middleware answers 400 naming the header."""
    key = client_meta_key()
    if key == "REMOTE_ADDR" or request.META.get(key):
        return ""
    return header_name(key)


def header_name(meta_key: str) -> str:
    """HTTP_X_REAL_IP -> X-Real-Ip (the header as a proxy is configured with)."""
    name = meta_key.removeprefix("HTTP_")
    return "-".join(part.capitalize() for part in name.split("_"))


def axes_client_ip(request) -> str | None:
    """django-axes' client address (``AXES_CLIENT_IP_CALLABLE``): the same address the rate limits and
    the audit log read, so behind a proxy a lockout is per username and *client*, not per username and
    proxy (which let anyone lock any staff member out). Never raises: a request without the header is
    counted by REMOTE_ADDR here (the rate limiter answers it with a 400 first)."""
    return client_ip(request) or request.META.get("REMOTE_ADDR")
