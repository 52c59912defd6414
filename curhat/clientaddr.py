"""The client's address, the one way the whole site reads it: behind a reverse proxy REMOTE_ADDR is
the proxy, so the address comes from the request META key the proxy sets
(``CURHAT_RATELIMIT_IP_META_KEY``, e.g. ``HTTP_X_REAL_IP``; the same key the rate limits use).

``via_unnamed_proxy`` tells a request that came through a proxy (forwarding headers present) while
no such key is configured: its REMOTE_ADDR is the proxy's, so nothing may be allowed by address
(/metrics then needs its token)."""

from __future__ import annotations

from django.conf import settings

FORWARDING_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED")


def client_meta_key() -> str:
    return getattr(settings, "RATELIMIT_IP_META_KEY", "") or "REMOTE_ADDR"


def client_address(request) -> str:
    """The client's address as the configured key gives it ("" when the request lacks it). A list
    (X-Forwarded-For: "a, b") gives its last entry, the one our proxy added (earlier ones are
    whatever the client sent)."""
    value = str(request.META.get(client_meta_key(), "") or "")
    if "," in value:
        value = value.rsplit(",", 1)[-1]
    return value.strip()


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
