"""What can go wrong with a provider's request, each with the HTTP status the webhook answers.

The base webhook view maps these to responses; provider modules only raise them.
"""

from __future__ import annotations


class WebhookError(Exception):
    """A request we refuse. ``status`` is the HTTP status, ``reason`` is said back to the caller."""

    status = 400

    def __init__(self, reason: str = "") -> None:
        super().__init__(reason)
        self.reason = reason or self.__class__.__doc__ or "refused"


class SignatureError(WebhookError):
    """Signature missing or wrong: 403 and nothing is stored."""

    status = 403


class MalformedPayload(WebhookError):
    """The body cannot be what the provider documents (truncated JSON, wrong content type, missing
    required fields, invalid UTF-8): 400 with the reason."""

    status = 400


class PayloadTooLarge(WebhookError):
    """Body larger than CURHAT_WEBHOOK_MAX_BODY_BYTES, refused before it is read."""

    status = 413


class UnknownAccount(WebhookError):
    """No active channel account with this slug for this provider."""

    status = 404


class ProviderUnavailable(WebhookError):
    """The provider is not configured in CURHAT_CHANNEL_PROVIDERS or has no inbound side."""

    status = 404


class MediaDownloadError(Exception):
    """A media download failed; ``transient`` errors are retried, the others fail at once."""

    def __init__(self, reason: str, *, transient: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient
