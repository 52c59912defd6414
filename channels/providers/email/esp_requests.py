"""The mails in an ESP's inbound request (Mailgun, SendGrid, Postmark, Amazon SES), read by anymail.

anymail's per-ESP view knows each request format (``parse_events``). Our webhook views
(``anymail_inbound``) subclass these views to authenticate and store first; a replay
(``replay_events``) rebuilds the stored request and lets anymail's view parse it again, here, so
reading a stored event never needs our webhook views.
"""

from __future__ import annotations

import io
import warnings

from anymail.webhooks.amazon_ses import AmazonSESInboundWebhookView
from anymail.webhooks.base import AnymailBaseWebhookView
from anymail.webhooks.mailgun import MailgunInboundWebhookView
from anymail.webhooks.postmark import PostmarkInboundWebhookView
from anymail.webhooks.sendgrid import SendGridInboundWebhookView
from django.core.handlers.wsgi import WSGIRequest

from channels.models import InboundEvent

from .parse import RawMail

# Mapping table: the ESPs we accept, by the key stored with each event (``headers["esp"]``), and
# anymail's view that parses their requests (our webhook view for an ESP subclasses its entry).
ESP_WEBHOOK_VIEWS: dict[str, type[AnymailBaseWebhookView]] = {
    "mailgun": MailgunInboundWebhookView,
    "sendgrid": SendGridInboundWebhookView,
    "postmark": PostmarkInboundWebhookView,
    "amazon_ses": AmazonSESInboundWebhookView,
}


def _message_bytes(message) -> bytes:
    try:
        return message.as_bytes()
    except (UnicodeError, LookupError):
        return message.as_string().encode("utf-8", "surrogateescape")


def raw_mail(esp_key: str, esp_event) -> RawMail:
    """One of anymail's inbound events as the mail our parser reads."""
    event_id = esp_event.event_id or ""
    return RawMail(
        raw=_message_bytes(esp_event.message),
        # Without a Message-ID, the ESP's own id for the mail (stable across its retries).
        fallback_id=f"<{esp_key}-{event_id}@anymail.invalid>" if event_id else "",
        # With an ESP id, that id is the idempotency key: Postmark MessageID, Mailgun token,
        # SES messageId (anymail's event_id for each).
        event_key=f"{esp_key}:{event_id}" if event_id else "",
        meta={
            "anymail": {
                "esp": esp_key,
                "event_id": event_id,
                "envelope_recipient": esp_event.message.envelope_recipient or "",
                "spam_detected": esp_event.message.spam_detected,
            }
        },
    )


def _rebuild_request(event: InboundEvent) -> WSGIRequest:
    body = bytes(event.body)
    headers = event.headers or {}
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": headers.get("path", "/"),
        "SERVER_NAME": "replay.invalid",
        "SERVER_PORT": "443",
        "wsgi.url_scheme": "https",
        "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)),
        **headers.get("meta", {}),
        "CONTENT_TYPE": event.content_type,
    }
    return WSGIRequest(environ)


def request_mails(event: InboundEvent) -> list[RawMail]:
    """The mails of a stored ESP request, parsed again by anymail (for replay)."""
    esp_key = (event.headers or {}).get("esp", "")
    view_class = ESP_WEBHOOK_VIEWS.get(esp_key)
    if view_class is None:
        raise ValueError(f"unknown anymail ESP {esp_key!r}")
    with warnings.catch_warnings():
        # anymail warns that SendGrid is community-supported each time its view is made.
        warnings.simplefilter("ignore")
        view = view_class()
    request = _rebuild_request(event)
    return [raw_mail(esp_key, esp_event) for esp_event in view.parse_events(request)]
