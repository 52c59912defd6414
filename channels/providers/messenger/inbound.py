"""Messenger page webhooks: ``entry[].messaging[]`` events. Reference:
https://developers.facebook.com/documentation/business-messaging/messenger-platform/webhooks/webhook-events

Our own echoes (``message.is_echo``) never open a ticket (DESIGN §5.5).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

from channels.errors import MalformedPayload
from channels.models import ChannelAccount, InboundEvent
from channels.payloads import json_body, object_list, required, unix_millis
from channels.signatures import meta_signature_verify
from tickets.inbound import DeliveryStatus, InboundAttachment, InboundMessage, Sender, StatusUpdate

from . import CHANNEL, PROVIDER

HANDSHAKE = True
OBJECT = "page"  # the webhook object this endpoint serves

Item = InboundMessage | StatusUpdate

# Attachment types Messenger documents → whether we fetch the file.
ATTACHMENT_TYPES: dict[str, bool] = {
    "image": True,
    "video": True,
    "audio": True,
    "file": True,
    "location": False,
    "fallback": False,
    "template": False,
    "sticker": True,
}


def verify(request: HttpRequest, account: ChannelAccount) -> None:
    meta_signature_verify(
        body=request.body,
        header=request.headers.get("X-Hub-Signature-256", ""),
        secrets=account.secret_values("app_secret"),
    )


def _sender(event: dict) -> Sender:
    sender = required(event, "sender", "messaging[]")
    return Sender(kind="facebook_psid", value=str(required(sender, "id", "messaging[].sender")))


def _timestamp(event: dict):
    return unix_millis(required(event, "timestamp", "messaging[]"), "messaging[].timestamp")


def _message(event: dict) -> list[Item]:
    message = event["message"]
    if not isinstance(message, dict):
        raise MalformedPayload("messaging[].message harus berupa objek")
    if message.get("is_echo"):
        return []  # what our page sent: never a ticket
    mid = str(required(message, "mid", "messaging[].message"))
    attachments = []
    meta: dict = {}
    kind = "text"
    for item in object_list(message, "attachments", "message"):
        attachment_type = str(item.get("type", ""))
        payload = item.get("payload") or {}
        if ATTACHMENT_TYPES.get(attachment_type) and payload.get("url"):
            attachments.append(
                InboundAttachment(url=str(payload["url"]), content_type="", filename=attachment_type)
            )
            kind = "media"
        elif attachment_type == "location":
            kind = "location"
            meta["location"] = payload.get("coordinates", {})
        else:
            kind = "unsupported" if not attachments else kind
            meta.setdefault("unsupported_attachments", []).append(attachment_type)
    if message.get("quick_reply"):
        kind = "interactive"
        meta["interactive"] = {"type": "quick_reply", "id": message["quick_reply"].get("payload", "")}
    reply_to = message.get("reply_to") or {}
    text = str(message.get("text") or "")
    if kind == "text" and not text:
        kind = "unsupported"
    return [
        InboundMessage(
            channel=CHANNEL,
            provider=PROVIDER,
            provider_message_id=mid,
            sender=_sender(event),
            timestamp=_timestamp(event),
            text=text,
            kind=kind,
            attachments=tuple(attachments),
            reply_to_ids=(str(reply_to["mid"]),) if reply_to.get("mid") else (),
            meta=meta,
            raw=event,
        )
    ]


def _postback(event: dict) -> list[Item]:
    postback = event["postback"] or {}
    sender = _sender(event)
    timestamp = _timestamp(event)
    # Older postbacks carry no mid; the sender and time identify one tap.
    mid = str(postback.get("mid") or f"postback:{sender.value}:{event['timestamp']}")
    return [
        InboundMessage(
            channel=CHANNEL,
            provider=PROVIDER,
            provider_message_id=mid,
            sender=sender,
            timestamp=timestamp,
            text=str(postback.get("title", "")),
            kind="interactive",
            meta={"interactive": {"type": "postback", "id": postback.get("payload", "")}},
            raw=event,
        )
    ]


def _delivery(event: dict) -> list[Item]:
    delivery = event["delivery"] or {}
    watermark = delivery.get("watermark")
    timestamp = unix_millis(watermark, "delivery.watermark") if watermark else _timestamp(event)
    # Only per-message ids can be applied; watermark-only receipts (older clients) are kept on the
    # event and ignored.
    return [
        StatusUpdate(
            provider=PROVIDER,
            provider_message_id=str(mid),
            status=DeliveryStatus.DELIVERED,
            timestamp=timestamp,
            raw=event,
        )
        for mid in delivery.get("mids") or []
    ]


def _read(event: dict) -> list[Item]:
    # A read receipt only has a watermark ("everything before this time"), no message ids: it needs
    # a watermark service in tickets (see the report); until then it is kept and ignored.
    return []


# messaging[] event kinds → handler; other kinds (reactions, referrals, optins) are ignored.
EVENT_TYPES: dict[str, Callable[[dict], list[Item]]] = {
    "message": _message,
    "postback": _postback,
    "delivery": _delivery,
    "read": _read,
}
HANDLED_EVENT_TYPES = frozenset(EVENT_TYPES)


def parse(event: InboundEvent) -> list[Item]:
    data = json_body(event)
    if data.get("object") != OBJECT:
        # Another product's webhook sent to this URL: acknowledged and ignored (a refusal makes
        # Meta retry it for days). The event keeps the body.
        return []
    items: list[Item] = []
    for entry in object_list(data, "entry", "body", optional=False):
        for messaging in object_list(entry, "messaging", "entry[]"):
            kind = next((key for key in EVENT_TYPES if key in messaging), None)
            if kind is not None:
                items.extend(EVENT_TYPES[kind](messaging))
    return items
