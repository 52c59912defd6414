"""Replies on Facebook Messenger through the Send API.

``POST {CURHAT_GRAPH_API_BASE_URL}/{CURHAT_GRAPH_API_VERSION}/{page-id}/messages`` with the page's
``page_access_token`` as a bearer token; JSON ``{"recipient": {"id": <PSID>}, "messaging_type": ...,
"message": {"text": ...}}``. https://developers.facebook.com/docs/messenger-platform/reference/send-api/

Messenger's windows: within 24 hours of the citizen's last message, ``messaging_type=RESPONSE``; up
to 7 days, ``messaging_type=MESSAGE_TAG`` with ``tag=HUMAN_AGENT`` (a person answering, which we
are); beyond that Messenger refuses, so we fail at once and tell the operator to use another channel.
https://developers.facebook.com/docs/messenger-platform/send-messages/message-tags

Called with ``requests``, not facebook-sdk (3.1.0 refuses Graph versions above 3.1): see
``channels/providers/meta_whatsapp/outbound.py``. No idempotency key, no lookup: no ``reconcile``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings

from channels.outbound import last_inbound_at, require_account, require_secret, within
from channels.providers.meta_whatsapp.outbound import graph_post, graph_url
from tickets.relay.senders import SendError, SendResult, contact_identity

if TYPE_CHECKING:
    from tickets.models import Message, Ticket

PROVIDER = "messenger"
STANDARD_WINDOW = dt.timedelta(hours=24)


def _window(ticket: Ticket) -> str:
    """ "response", "human_agent" or "closed"."""
    last = last_inbound_at(ticket, "facebook")
    if within(last, STANDARD_WINDOW):
        return "response"
    if within(last, dt.timedelta(days=settings.CURHAT_MESSENGER_HUMAN_AGENT_DAYS)):
        return "human_agent"
    return "closed"


def can_send_freeform(ticket: Ticket) -> bool:
    return _window(ticket) != "closed"


# How each window sends: the Send API's messaging_type (and tag), and the attempt's variant.
WINDOW_FIELDS = {
    "response": ({"messaging_type": "RESPONSE"}, "text"),
    "human_agent": ({"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}, "tag:HUMAN_AGENT"),
}


def send(message: Message) -> SendResult:
    account = require_account(message)
    psid = contact_identity(message.ticket, "facebook_psid")
    if not psid:
        raise SendError("Warga tidak punya ID Messenger.", permanent=True, code="no_recipient")
    window = _window(message.ticket)
    if window == "closed":
        raise SendError(
            f"Lebih dari {settings.CURHAT_MESSENGER_HUMAN_AGENT_DAYS} hari sejak pesan terakhir warga di "
            "Messenger: Facebook tidak mengizinkan balasan lagi. Hubungi warga lewat kanal lain "
            "(WhatsApp, email, atau telepon).",
            permanent=True,
            code="messenger_window_closed",
            variant="text",
        )
    fields, variant = WINDOW_FIELDS[window]
    payload = {"recipient": {"id": psid}, **fields, "message": {"text": message.body}}
    page_id = (account.config or {}).get("page_id") or account.address
    try:
        body, status = graph_post(graph_url(page_id), require_secret(account, "page_access_token"), payload)
    except SendError as error:
        error.variant = variant
        raise
    message_id = str(body.get("message_id") or "")
    if not message_id:
        raise SendError("Send API menjawab tanpa message_id.", permanent=True, code="bad_response")
    return SendResult(provider_message_id=message_id, variant=variant, http_status=status)
