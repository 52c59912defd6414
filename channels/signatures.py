"""Request signatures shared by several providers: constant-time, over a list of secrets so that a
key can be rotated (old and new both verify until the old one is removed)."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.http import HttpRequest
from twilio.request_validator import RequestValidator

from .errors import SignatureError


def meta_signature(body: bytes, app_secret: str) -> str:
    """``X-Hub-Signature-256`` value for ``body``: HMAC-SHA256 of the raw bytes with the app secret."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def meta_signature_verify(*, body: bytes, header: str, secrets: list[str]) -> None:
    """Meta signs the raw body: re-serialized JSON would not match, so this runs on the bytes.
    https://developers.facebook.com/docs/messenger-platform/webhooks#validate-payloads"""
    if not secrets:
        raise SignatureError("akun belum punya app_secret")
    if not header:
        raise SignatureError("X-Hub-Signature-256 tidak ada")
    if not header.startswith("sha256="):
        raise SignatureError("X-Hub-Signature-256 tidak berformat sha256=<hex>")
    for secret in secrets:
        if hmac.compare_digest(meta_signature(body, secret), header):
            return
    raise SignatureError("X-Hub-Signature-256 tidak cocok")


def twilio_public_url(request: HttpRequest) -> str:
    """The URL Twilio called, as Twilio saw it: behind a proxy our own host and scheme differ, so it
    is rebuilt from PUBLIC_BASE_URL plus the path and query string."""
    return settings.PUBLIC_BASE_URL + request.get_full_path()


def twilio_signature_verify(*, request: HttpRequest, secrets: list[str]) -> None:
    """``X-Twilio-Signature`` over the public URL and *all* posted params (Twilio adds new params
    without notice). https://www.twilio.com/docs/usage/webhooks/webhooks-security"""
    if not secrets:
        raise SignatureError("akun belum punya auth_token")
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        raise SignatureError("X-Twilio-Signature tidak ada")
    url = twilio_public_url(request)
    for token in secrets:
        if RequestValidator(token).validate(url, request.POST, signature):
            return
    raise SignatureError("X-Twilio-Signature tidak cocok")


def twilio_signature(*, url: str, params: dict[str, str], auth_token: str) -> str:
    """What Twilio would send for ``params`` posted to ``url`` (simulate, tests, bench)."""
    return RequestValidator(auth_token).compute_signature(url, params)
