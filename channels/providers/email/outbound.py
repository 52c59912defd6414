"""Replies by e-mail through Django's mail backend (SMTP, or an anymail ESP backend).

Threading: our ``Message-ID`` is ``<{idempotency key}@{domain}>`` (stored as the provider message id,
so the citizen's reply, whose ``In-Reply-To`` names it, continues the ticket), ``In-Reply-To`` is the
citizen's latest mail and ``References`` the thread's ids; the subject carries ``[CA-YYYY-NNNNNN]`` so
a reply from another client still finds its ticket. The Message-ID is the same on every attempt, so
mail clients that collapse duplicates by Message-ID show a repeated send once; SMTP itself cannot be
asked what was sent: no ``reconcile``.

SMTP replies 5xx are permanent (the address does not exist, the message is refused); 4xx and network
trouble are transient.
"""

from __future__ import annotations

import smtplib
from email.utils import formataddr, parseaddr
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMessage

from channels.outbound import require_account
from tickets.relay.senders import SendError, SendResult, contact_identity

if TYPE_CHECKING:
    from channels.models import ChannelAccount
    from tickets.models import Message, Ticket

PROVIDER = "email_imap"
MAX_REFERENCES = 20


def can_send_freeform(ticket: Ticket) -> bool:
    return True


def send(message: Message) -> SendResult:
    account = require_account(message)
    address = contact_identity(message.ticket, "email")
    if not address:
        raise SendError("Warga tidak punya alamat email.", permanent=True, code="no_recipient")
    return deliver(message, account=account, to=address)


def message_id_domain(account: ChannelAccount | None) -> str:
    configured = list(getattr(settings, "CURHAT_EMAIL_MESSAGE_ID_DOMAINS", []) or [])
    if configured:
        return configured[0]
    address = (account.address if account else "") or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2] or "curhat.invalid"


def outbound_message_id(message: Message, account: ChannelAccount | None) -> str:
    return f"<{message.idempotency_key}@{message_id_domain(account)}>"


def subject_for(ticket: Ticket) -> str:
    subject = (ticket.subject or "Konsultasi Adminduk").strip()
    if ticket.reference not in subject:
        subject = f"{subject} [{ticket.reference}]"
    return subject if subject.lower().startswith("re:") else f"Re: {subject}"


def thread_ids(ticket: Ticket, *, exclude: int | None = None) -> list[str]:
    """Message-IDs of the ticket's e-mails, oldest first (``<...>`` form)."""
    from tickets.models import Message

    messages = Message.objects.filter(ticket=ticket, channel="email").exclude(provider_message_id="")
    if exclude is not None:
        messages = messages.exclude(pk=exclude)
    rows = messages.order_by("created_at", "id").values_list("provider_message_id", "meta")
    ids = []
    for provider_id, meta in rows:
        # A mail taken in through an ESP is keyed by the ESP's id; its Message-ID is in the meta.
        email_meta = meta.get("email") if isinstance(meta, dict) else None
        rfc_id = email_meta.get("message_id", "") if isinstance(email_meta, dict) else ""
        value = str(rfc_id or provider_id)
        if value.startswith("<") and value.endswith(">"):
            ids.append(value)
    return ids


def deliver(message: Message, *, account: ChannelAccount | None, to: str) -> SendResult:
    ticket = message.ticket
    message_id = outbound_message_id(message, account)
    headers = {"Message-ID": message_id}
    references = thread_ids(ticket, exclude=message.pk)[-MAX_REFERENCES:]
    if references:
        headers["In-Reply-To"] = references[-1]
        headers["References"] = " ".join(references)
    from_email = (
        formataddr((settings.CURHAT_OFFICE_NAME, account.address))
        if account and "@" in (account.address or "")
        else settings.DEFAULT_FROM_EMAIL
    )
    mail = EmailMessage(
        subject=subject_for(ticket), body=message.body, from_email=from_email, to=[to], headers=headers
    )
    try:
        mail.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as exc:
        code, reason = next(iter(exc.recipients.values()), (550, b"recipient refused"))
        raise _smtp_error(code, reason) from exc
    except smtplib.SMTPResponseException as exc:
        raise _smtp_error(exc.smtp_code, exc.smtp_error) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise SendError(f"Server email tidak bisa dihubungi: {exc}", permanent=False, code="network") from exc
    return SendResult(provider_message_id=message_id, variant="email", meta={"email_to": to})


def _smtp_error(code: int, reason: bytes | str) -> SendError:
    text = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
    return SendError(f"SMTP {code}: {text}", permanent=int(code) >= 500, code=f"smtp_{code}", variant="email")
