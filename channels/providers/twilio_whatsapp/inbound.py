"""Twilio WhatsApp webhooks: incoming messages and message status callbacks, both form-encoded.
Reference: https://www.twilio.com/docs/messaging/guides/webhook-request and
https://www.twilio.com/docs/messaging/guides/track-outbound-message-status
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from channels.errors import MalformedPayload
from channels.models import ChannelAccount, InboundEvent
from channels.payloads import form_body, required
from channels.signatures import twilio_signature_verify
from tickets.inbound import DeliveryStatus, InboundAttachment, InboundMessage, Sender, StatusUpdate

from . import CHANNEL, PROVIDER

# Twilio MessageStatus → ours. "received"/"receiving" describe an inbound message, not a status.
STATUS_MAP: dict[str, DeliveryStatus] = {
    "accepted": DeliveryStatus.QUEUED,
    "scheduled": DeliveryStatus.QUEUED,
    "queued": DeliveryStatus.QUEUED,
    "sending": DeliveryStatus.QUEUED,
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.READ,
    "failed": DeliveryStatus.FAILED,
    "undelivered": DeliveryStatus.FAILED,
    "canceled": DeliveryStatus.FAILED,
}
INBOUND_STATES = frozenset({"received", "receiving"})

# Twilio's MessageType → our message kind (media and location are also recognized by their fields).
MESSAGE_KINDS: dict[str, str] = {
    "text": "text",
    "image": "media",
    "video": "media",
    "audio": "media",
    "document": "media",
    "sticker": "media",
    "location": "location",
    "button": "interactive",
    "interactive": "interactive",
    "reaction": "reaction",
}

_EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def verify(request: HttpRequest, account: ChannelAccount) -> None:
    twilio_signature_verify(request=request, secrets=account.secret_values("auth_token"))


def _attachments(params: dict[str, str]) -> tuple[InboundAttachment, ...]:
    try:
        count = int(params.get("NumMedia") or 0)
    except ValueError as exc:
        raise MalformedPayload(f"NumMedia bukan angka: {params.get('NumMedia')!r}") from exc
    found = []
    for index in range(min(count, 10)):
        url = params.get(f"MediaUrl{index}", "")
        if not url:
            raise MalformedPayload(f"MediaUrl{index} wajib ada (NumMedia={count})")
        found.append(
            InboundAttachment(
                url=url,
                content_type=params.get(f"MediaContentType{index}", ""),
                provider_media_id=url.rstrip("/").rsplit("/", 1)[-1],
            )
        )
    return tuple(found)


def _message(params: dict[str, str], event: InboundEvent) -> InboundMessage:
    sid = params.get("MessageSid") or params.get("SmsMessageSid") or required(params, "MessageSid", "form")
    sender = required(params, "From", "form")
    attachments = _attachments(params)
    meta: dict = {}
    message_type = params.get("MessageType", "")
    if message_type:
        kind = MESSAGE_KINDS.get(message_type, "unsupported")
    elif attachments:
        kind = "media"
    elif params.get("Latitude"):
        kind = "location"
    elif params.get("ButtonText"):
        kind = "interactive"
    else:
        kind = "text"
    if kind == "unsupported":
        meta["unsupported_type"] = message_type
    if kind == "media" and not attachments:
        kind = "unsupported"
        meta["unsupported_type"] = message_type
    text = params.get("Body", "")
    if kind == "location":
        meta["location"] = {
            key.lower(): params[key]
            for key in ("Latitude", "Longitude", "Address", "Label")
            if params.get(key)
        }
        text = text or " — ".join(p for p in (params.get("Label"), params.get("Address")) if p)
    if kind == "interactive":
        meta["interactive"] = {
            "type": message_type or "button",
            "id": params.get("ButtonPayload") or params.get("ListId", ""),
        }
        text = text or params.get("ButtonText") or params.get("ListTitle", "")
    if kind == "text" and not text.strip():
        kind = "unsupported"
    replied = params.get("OriginalRepliedMessageSid", "")
    if replied:
        meta["quoted_message_id"] = replied  # shown in the timeline ("membalas pesan …")
    return InboundMessage(
        channel=CHANNEL,
        provider=PROVIDER,
        provider_message_id=sid,
        sender=Sender(kind="phone", value=sender, display_name=params.get("ProfileName", "")),
        # Twilio's inbound webhook carries no timestamp: the time we received it is the best we have.
        timestamp=event.received_at,
        text=text,
        kind=kind,
        attachments=attachments,
        reply_to_ids=(replied,) if replied else (),
        meta={**meta, "wa_id": params.get("WaId", "")} if params.get("WaId") else meta,
        raw=params,
    )


def _status(params: dict[str, str], event: InboundEvent) -> StatusUpdate:
    status = params["MessageStatus"]
    return StatusUpdate(
        provider=PROVIDER,
        provider_message_id=params.get("MessageSid") or required(params, "SmsSid", "form"),
        status=STATUS_MAP.get(status, DeliveryStatus.UNKNOWN),
        timestamp=event.received_at,
        error_code=params.get("ErrorCode", ""),
        error_text=params.get("ErrorMessage", ""),
        raw=params,
    )


def parse(event: InboundEvent) -> list[InboundMessage | StatusUpdate]:
    params = form_body(event)
    status = params.get("MessageStatus", "")
    if status and status not in INBOUND_STATES:
        return [_status(params, event)]
    return [_message(params, event)]


def respond(event: InboundEvent, items, report) -> HttpResponse:
    # An empty TwiML answer: we reply later, from the inbox, not inside this webhook.
    return HttpResponse(_EMPTY_TWIML, content_type="text/xml; charset=utf-8")
