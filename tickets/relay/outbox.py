"""The outbox: replies to the citizen wait here until a worker hands them to their provider.

Operators, officials (an answer relayed to the citizen) and the auto-acknowledgement put replies in
it: :func:`message_reply_create` commits ``Message(direction=out, status=queued)`` and enqueues its
delivery once the caller's transaction commits; :func:`message_retry` puts a failed reply back. The
worker side is ``tickets.relay.delivery`` (what the states mean and what we guarantee), the sweep
of lost tasks ``tickets.relay.sweeper``; internal notes, never sent, are ``tickets.relay.notes``.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.models import Channel, Message, Ticket
from tickets.relay import senders
from tickets.relay.state import iso, outbox_state, outbox_state_set
from tickets.relay.tasks import message_deliver_enqueue


def _reply_account(ticket: Ticket, channel: str):
    if (
        ticket.account_id
        and ticket.account
        and ticket.account.channel == channel
        and ticket.account.is_active
    ):
        return ticket.account
    return senders.account_for_channel(channel)


def reply_refusal(*, ticket: Ticket, channel: str | None = None) -> str:
    """Why a person's reply on ``channel`` cannot be sent now ('' when it can): the WhatsApp 24-hour
    window is closed and the office's account has no approved template to send instead. Asked before
    queuing a reply from the inbox or the API, so the reply is refused with a reason rather than
    recorded and failed (or, in the sandbox, shown as sent)."""
    if senders.window_state(ticket, channel) != senders.WINDOW_CLOSED:
        return ""
    return _(
        "Jendela 24 jam sudah tertutup: warga terakhir menulis lebih dari 24 jam yang lalu, jadi pesan "
        "bebas tidak bisa dikirim lewat kanal ini, dan akun kantor belum punya templat yang disetujui. "
        "Balas lewat kanal lain atau tunggu warga menulis lagi."
    )


def reply_length_error(*, ticket: Ticket, body: str, channel: str | None = None) -> ValidationError | None:
    """The refusal of a reply longer than its channel takes (senders.TEXT_LIMITS), or None."""
    reply_channel = senders.reply_channel(channel or ticket.channel)
    limit = senders.text_limit(reply_channel)
    length = len((body or "").replace("\r\n", "\n").strip())
    if length <= limit:
        return None
    label = str(Channel(reply_channel).label) if reply_channel in Channel.values else reply_channel
    return ValidationError(
        _(
            "Pesan terlalu panjang untuk %(channel)s: %(length)s karakter, batasnya %(limit)s karakter. "
            "Persingkat pesannya atau bagi menjadi beberapa balasan."
        ),
        code="too_long",
        params={
            "channel": label,
            "length": f"{length:,}".replace(",", "."),
            "limit": f"{limit:,}".replace(",", "."),
        },
    )


def message_reply_create(
    *,
    ticket: Ticket,
    author,
    body: str,
    channel: str | None = None,
    media_urls: list[str] | tuple[str, ...] = (),
    meta: dict[str, Any] | None = None,
) -> Message:
    """Queue a reply to the citizen on ``channel`` (default: the ticket's own; WhatsApp calls are
    answered on WhatsApp, SMS tickets like phone tickets). The reply is committed ``queued`` and its
    delivery enqueued once the caller's transaction commits. ``meta`` is kept on the message
    (e.g. ``{"escalation_id": ...}`` for an official's answer relayed by an operator)."""
    body = (body or "").strip()
    if not body and not media_urls:
        raise ValidationError(_("Balasan tidak boleh kosong."), code="empty_reply")
    if ticket.merged_into_id:
        raise ValidationError(_("Tiket ini sudah digabung; balas di tiket tujuannya."), code="merged")
    reply_channel = senders.reply_channel(channel or ticket.channel)
    if reply_channel not in Channel.values:
        raise ValidationError(
            _("Kanal tidak dikenal: %(channel)s"), code="channel", params={"channel": channel}
        )
    too_long = reply_length_error(ticket=ticket, body=body, channel=reply_channel)
    if too_long is not None:
        raise too_long
    account = _reply_account(ticket, reply_channel)
    provider = account.provider if account else senders.default_provider(reply_channel)
    now = timezone.now()
    extra = dict(meta or {})
    if media_urls:
        extra["media_urls"] = list(media_urls)
    with transaction.atomic():
        message = Message.objects.create(
            ticket=ticket,
            direction=Message.Direction.OUT,
            kind=Message.Kind.TEXT if body else Message.Kind.MEDIA,
            channel=reply_channel,
            account=account,
            provider=provider,
            body=body,
            author=author,
            status=Message.Status.QUEUED,
            meta=extra,
            created_at=now,
        )
        Ticket.objects.filter(pk=ticket.pk).update(last_activity_at=now, updated_at=now)
        transaction.on_commit(partial(message_deliver_enqueue, message.pk))
    return message


def message_retry(*, message: Message, author=None) -> Message:
    """An operator sends a failed reply again: a fresh budget of tries and a fresh idempotency
    token (the provider refused the old one). For an ``in_doubt`` failure the operator has checked
    that the citizen did not get it."""
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        if locked.direction != Message.Direction.OUT or locked.status != Message.Status.FAILED:
            raise ValidationError(_("Hanya balasan yang gagal yang bisa dikirim ulang."), code="not_failed")
        state = outbox_state(locked)
        outbox_state_set(
            locked,
            generation=int(state.get("generation", 0)) + 1,
            budget_start=locked.attempts,
            due_at=iso(timezone.now()),  # the sweeper counts "stuck" from now, not from creation
            lease=None,
            lease_until=None,
            retried_by=getattr(author, "pk", None),
            retried_at=iso(timezone.now()),
        )
        locked.status = Message.Status.QUEUED
        locked.error_code = ""
        locked.error_text = ""
        locked.save(update_fields=["status", "error_code", "error_text", "meta"])
        transaction.on_commit(partial(message_deliver_enqueue, locked.pk))
    return locked
