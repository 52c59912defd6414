"""Replies to phone tickets: an SMS through Twilio when the caller's number is a mobile, otherwise a
call-back for an operator (a landline cannot take an SMS).

SMS: the same Messages API as WhatsApp (``From`` is the account's number or ``config["sms_from"]``),
https://www.twilio.com/docs/messaging/api/message-resource. A landline gets no send: the sender raises
the permanent error ``callback_required`` and the outbox puts a call-back note on the ticket.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from channels.outbound import require_account
from channels.providers.twilio_whatsapp.outbound import messages_create, reconcile_with
from tickets.identities import is_mobile
from tickets.relay.senders import SendError, SendResult, contact_identity, idempotency_token

if TYPE_CHECKING:
    from channels.models import ChannelAccount
    from tickets.models import Message, Ticket

PROVIDER = "twilio_voice"
CALLBACK_REQUIRED = "callback_required"


def can_send_freeform(ticket: Ticket) -> bool:
    return is_mobile(contact_identity(ticket, "phone"))


def _sms_from(account: ChannelAccount) -> str:
    return (account.config or {}).get("sms_from") or account.address


def send(message: Message) -> SendResult:
    account = require_account(message)
    number = contact_identity(message.ticket, "phone")
    if not number:
        raise SendError("Warga tidak punya nomor telepon.", permanent=True, code="no_recipient")
    if not is_mobile(number):
        raise SendError(
            f"Nomor {number} bukan nomor seluler: SMS tidak bisa dikirim. Telepon balik warga untuk "
            "menyampaikan jawaban ini.",
            permanent=True,
            code=CALLBACK_REQUIRED,
            variant="callback",
        )
    form = {"From": _sms_from(account), "To": number, "Body": message.body}
    try:
        sid, status = messages_create(account, form, token=idempotency_token(message))
    except SendError as error:
        error.variant = "sms"
        raise
    return SendResult(provider_message_id=sid, variant="sms", http_status=status, meta={"sms_to": number})


def reconcile(message: Message, *, since: dt.datetime) -> str | None:
    account = require_account(message)
    number = contact_identity(message.ticket, "phone")
    return reconcile_with(
        message, account=account, to=number, from_=_sms_from(account), since=since, body=message.body
    )
