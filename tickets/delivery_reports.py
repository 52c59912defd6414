"""Providers' delivery reports on our outbound messages: sent, delivered, read, failed.

States only move forward; a provider's "failed" is final. Every channel adapter's status callback comes
through :func:`message_status_apply` (channels.processing).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from tickets.models import Message

# Provider states only move forward: a late "sent" callback must not undo "read".
_STATUS_RANK: dict[str, int] = {
    Message.Status.QUEUED: 0,
    Message.Status.SENDING: 1,
    Message.Status.SENT: 2,
    Message.Status.DELIVERED: 3,
    Message.Status.READ: 4,
}


# The outbox's own "we could not tell whether the provider took it" failure (tickets.relay.delivery
# IN_DOUBT) is not the provider's verdict: a provider's report about that message settles it.
_IN_DOUBT = "in_doubt"


def message_status_apply(
    *,
    provider: str,
    provider_message_id: str,
    status: str,
    timestamp: dt.datetime,
    error_code: str = "",
    error_text: str = "",
) -> Message | None:
    """Apply a provider's delivery report to our outbound message (None if we do not know it).

    ``status`` is one of sent/delivered/read/failed (tickets.inbound.DeliveryStatus); out-of-order and
    repeated callbacks never move a message backwards. "failed" (Twilio failed/undelivered, Meta
    failed) is final: a late sent/delivered/read never overwrites it or its reason. "failed" wins
    over sent/delivered (a provider may report delivery failure after accepting), but not over
    "read" (the citizen has seen it).
    """
    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .filter(
                provider=provider, provider_message_id=provider_message_id, direction=Message.Direction.OUT
            )
            .first()
        )
        if message is None:
            return None
        current = message.status
        fields: list[str] = []
        if current == Message.Status.FAILED and message.error_code != _IN_DOUBT:
            return message  # final: a late callback of any kind changes nothing
        if status == Message.Status.FAILED:
            if current != Message.Status.READ:
                message.status = Message.Status.FAILED
                message.error_code = (error_code or "")[:40]
                message.error_text = error_text or ""
                fields += ["status", "error_code", "error_text"]
        elif status in _STATUS_RANK:
            if current == Message.Status.FAILED or _STATUS_RANK[status] > _STATUS_RANK.get(current, -1):
                message.status = status
                fields.append("status")
                if current == Message.Status.FAILED:  # the in-doubt failure was wrong after all
                    message.error_code, message.error_text = "", ""
                    fields += ["error_code", "error_text"]
            stamp_field = {"sent": "sent_at", "delivered": "delivered_at", "read": "read_at"}.get(status)
            if stamp_field and getattr(message, stamp_field) is None:
                setattr(message, stamp_field, timestamp)
                fields.append(stamp_field)
            if status in (Message.Status.DELIVERED, Message.Status.READ) and message.sent_at is None:
                message.sent_at = timestamp
                fields.append("sent_at")
        if fields:
            message.save(update_fields=sorted(set(fields)))
        return message
