"""Meta WhatsApp Cloud API webhooks: ``entry[].changes[].value`` with ``messages[]`` and
``statuses[]``. Reference:
https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages

Optional arrays really are optional: failed statuses come without ``contacts[]``, and users known
only by a username come with an empty ``wa_id`` (their ``user_id`` identifies them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from channels.errors import MalformedPayload
from channels.models import ChannelAccount, InboundEvent
from channels.payloads import json_body, object_list, required, unix_seconds
from channels.signatures import meta_signature_verify
from tickets.inbound import (
    DeliveryStatus,
    IdentityChange,
    InboundAttachment,
    InboundMessage,
    Sender,
    StatusUpdate,
)

from . import CHANNEL, PROVIDER

HANDSHAKE = True
OBJECT = "whatsapp_business_account"  # the webhook object this endpoint serves

Item = InboundMessage | StatusUpdate | IdentityChange

# Meta's status values → ours. Anything else becomes UNKNOWN (ignored, kept on the event).
STATUS_MAP: dict[str, DeliveryStatus] = {
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.READ,
    "failed": DeliveryStatus.FAILED,
}


def verify(request: HttpRequest, account: ChannelAccount) -> None:
    meta_signature_verify(
        body=request.body,
        header=request.headers.get("X-Hub-Signature-256", ""),
        secrets=account.secret_values("app_secret"),
    )


# --- message types: one function per type, in a table ---------------------------------------------
Fields = dict[str, Any]


def _text(message: dict) -> Fields:
    text = message.get("text") or {}
    return {"kind": "text", "text": str(text.get("body", ""))}


def _media(message: dict) -> Fields:
    kind = message["type"]
    media = message.get(kind)
    if not isinstance(media, dict) or not media.get("id"):
        raise MalformedPayload(f"messages[].{kind}.id wajib ada")
    filename = str(media.get("filename") or "")
    meta = {"media_type": kind}
    if kind == "audio" and media.get("voice"):
        meta["voice"] = True
    return {
        "kind": "media",
        "text": str(media.get("caption") or ""),
        "attachments": (
            InboundAttachment(
                filename=filename,
                content_type=str(media.get("mime_type") or ""),
                provider_media_id=str(media["id"]),
            ),
        ),
        "meta": meta,
    }


def _location(message: dict) -> Fields:
    location = message.get("location") or {}
    if "latitude" not in location or "longitude" not in location:
        raise MalformedPayload("messages[].location.latitude/longitude wajib ada")
    label = " — ".join(str(part) for part in (location.get("name"), location.get("address")) if part)
    return {
        "kind": "location",
        "text": label,
        "meta": {
            "location": {
                key: location[key]
                for key in ("latitude", "longitude", "name", "address", "url")
                if key in location
            }
        },
    }


def _interactive(message: dict) -> Fields:
    interactive = message.get("interactive") or {}
    reply_type = str(interactive.get("type", ""))
    reply = interactive.get(reply_type) or {}
    return {
        "kind": "interactive",
        "text": str(reply.get("title", "")),
        "meta": {
            "interactive": {
                "type": reply_type,
                "id": reply.get("id", ""),
                "description": reply.get("description", ""),
            }
        },
    }


def _button(message: dict) -> Fields:
    # Quick-reply button of a template message.
    button = message.get("button") or {}
    return {
        "kind": "interactive",
        "text": str(button.get("text", "")),
        "meta": {"interactive": {"type": "button", "id": button.get("payload", "")}},
    }


def _reaction(message: dict) -> Fields:
    reaction = message.get("reaction") or {}
    target = str(reaction.get("message_id", ""))
    return {
        "kind": "reaction",
        "text": str(reaction.get("emoji", "")),  # empty: the reaction was removed
        "reply_to_ids": (target,) if target else (),
        "meta": {"reaction": {"message_id": target, "emoji": reaction.get("emoji", "")}},
    }


def _unsupported(message: dict) -> Fields:
    errors = message.get("errors") or []
    return {
        "kind": "unsupported",
        "text": "",
        "meta": {"unsupported_type": message.get("type", ""), "errors": errors},
    }


MESSAGE_TYPES: dict[str, Callable[[dict], Fields]] = {
    "text": _text,
    "image": _media,
    "document": _media,
    "audio": _media,
    "video": _media,
    "sticker": _media,
    "location": _location,
    "interactive": _interactive,
    "button": _button,
    "reaction": _reaction,
    "unsupported": _unsupported,
}
HANDLED_MESSAGE_TYPES = frozenset(MESSAGE_TYPES)


def _sender(message: dict, contacts: list[dict]) -> Sender:
    wa_id = str(message.get("from") or "")
    user_id = str(message.get("from_user_id") or "")
    contact = next(
        (
            c
            for c in contacts
            if (wa_id and c.get("wa_id") == wa_id) or (user_id and c.get("user_id") == user_id)
        ),
        contacts[0] if len(contacts) == 1 else {},
    )
    profile = contact.get("profile") or {}
    name = str(profile.get("name") or profile.get("username") or "")
    if wa_id:
        return Sender(kind="phone", value=wa_id, display_name=name)
    # A user known only by a username: no phone number, identified by Meta's user id.
    user_id = user_id or str(contact.get("user_id") or "")
    if not user_id:
        raise MalformedPayload("messages[].from dan from_user_id kosong: pengirim tidak dikenal")
    return Sender(kind="whatsapp_user", value=user_id, display_name=name)


def _message(message: dict, contacts: list[dict], value_meta: dict) -> InboundMessage:
    message_id = required(message, "id", "messages[]")
    message_type = str(required(message, "type", "messages[]"))
    timestamp = unix_seconds(required(message, "timestamp", "messages[]"), "messages[].timestamp")
    fields = MESSAGE_TYPES.get(message_type, _unsupported)(message)
    context = message.get("context") or {}
    reply_to = tuple(fields.pop("reply_to_ids", ()))
    meta = {**fields.pop("meta", {}), **value_meta}
    if context.get("id"):
        reply_to = (*reply_to, str(context["id"]))
        meta["context"] = {key: context[key] for key in ("id", "from", "forwarded") if key in context}
        meta["quoted_message_id"] = str(context["id"])  # shown in the timeline ("membalas pesan …")
    return InboundMessage(
        channel=CHANNEL,
        provider=PROVIDER,
        provider_message_id=str(message_id),
        sender=_sender(message, contacts),
        timestamp=timestamp,
        reply_to_ids=reply_to,
        meta=meta,
        raw=message,
        **fields,
    )


# System messages (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/
# reference/messages/system): no consultation, never a ticket. A changed number names the new one in
# ``system.wa_id`` (``system.new_wa_id`` and type "customer_changed_number" before Graph v12).
NUMBER_CHANGES = frozenset({"user_changed_number", "customer_changed_number"})


def _system(message: dict) -> list[Item]:
    system = message.get("system")
    if not isinstance(system, dict) or str(system.get("type", "")) not in NUMBER_CHANGES:
        return []  # e.g. user_changed_user_id: nothing we keep changes
    previous = str(message.get("from") or system.get("customer") or "")
    new = str(system.get("wa_id") or system.get("new_wa_id") or "")
    if not previous or not new:
        raise MalformedPayload("messages[].system: nomor lama (from) dan baru (system.wa_id) wajib ada")
    return [
        IdentityChange(
            provider=PROVIDER,
            kind="phone",
            previous=previous,
            new=new,
            timestamp=unix_seconds(required(message, "timestamp", "messages[]"), "messages[].timestamp"),
            notice_id=str(message.get("id") or ""),
            raw=message,
        )
    ]


def _status(status: dict) -> StatusUpdate:
    errors = object_list(status, "errors", "statuses[]")
    first = errors[0] if errors else {}
    details = (first.get("error_data") or {}).get("details", "")
    return StatusUpdate(
        provider=PROVIDER,
        provider_message_id=str(required(status, "id", "statuses[]")),
        status=STATUS_MAP.get(str(status.get("status", "")), DeliveryStatus.UNKNOWN),
        timestamp=unix_seconds(required(status, "timestamp", "statuses[]"), "statuses[].timestamp"),
        error_code=str(first.get("code", "")),
        error_text=" — ".join(str(p) for p in (first.get("title") or first.get("message"), details) if p),
        raw=status,
    )


def parse(event: InboundEvent) -> list[Item]:
    data = json_body(event)
    if data.get("object") != OBJECT:
        # Another product's webhook sent to this URL (a subscription mix-up): acknowledged and
        # ignored, since a refusal makes Meta retry it for days. The event keeps the body.
        return []
    items: list[Item] = []
    for entry in object_list(data, "entry", "body", optional=False):
        for change in object_list(entry, "changes", "entry[]"):
            if change.get("field") != "messages":
                continue  # account, template and quality updates are not consultations
            value = change.get("value")
            if not isinstance(value, dict):
                raise MalformedPayload("entry[].changes[].value wajib berupa objek")
            metadata = value.get("metadata") or {}
            value_meta = (
                {"phone_number_id": metadata["phone_number_id"]} if "phone_number_id" in metadata else {}
            )
            contacts = object_list(value, "contacts", "value")
            for message in object_list(value, "messages", "value"):
                if message.get("type") == "system":
                    items.extend(_system(message))
                else:
                    items.append(_message(message, contacts, value_meta))
            for status in object_list(value, "statuses", "value"):
                items.append(_status(status))
    return items
