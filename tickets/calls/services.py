"""Phone calls in tickets: calls that came in through a voice provider (one call = one message,
however many callbacks describe it) and calls operators log by hand after answering on a handset.

The office's tally counts tickets, so a call must never open two: an operator who took a call that
already reached us through the voice provider attaches the summary and topic to that ticket.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from tickets.inbound import InboundCall, InboundMessage, Sender
from tickets.ingest import ticket_ingest
from tickets.models import Attachment, Channel, Message, Ticket, Topic

logger = logging.getLogger(__name__)

OPERATOR_PROVIDER = "operator"
# Channels whose calls operators log by hand (the tally's "Telepon" and "WhatsApp Telepon").
LOGGED_CALL_CHANNELS = (Channel.PHONE, Channel.WHATSAPP_CALL)


def _enqueue_after_ingest(message_id: int) -> None:
    for task_path in settings.CURHAT_AFTER_INGEST_TASKS:
        try:
            import_string(task_path).delay(message_id)
        except Exception:  # a broker outage delays the download; the call itself is safe
            logger.exception("could not enqueue %s for message %s", task_path, message_id)


def _recording_source(url: str) -> str:
    # Twilio serves a recording as WAV at its bare URL and as MP3 with ".mp3" (a tenth the size).
    return url if url.rsplit("/", 1)[-1].count(".") else f"{url}.mp3"


def _merge_call_details(current: dict, call: InboundCall) -> dict:
    merged = dict(current)
    callback = str(call.raw.get("callback", ""))
    if callback:
        merged["callbacks"] = sorted({*merged.get("callbacks", []), callback})
    if call.status:
        if callback == "dial":
            merged["dial_status"] = call.status
        elif callback == "recording":
            merged["voicemail"] = True
        else:
            merged["status"] = call.status
    if call.duration_seconds is not None:
        # The status callback's CallDuration is the whole call; the dial's is the talk time.
        merged["talk_seconds" if callback == "dial" else "duration_seconds"] = call.duration_seconds
    if call.recording_url:
        merged["recording_url"] = call.recording_url
    for key in ("recording_sid", "recording_seconds", "recording_status", "transcription_status"):
        value = getattr(call, key)
        if value not in ("", None):
            merged[key] = value
    if call.transcript:
        merged["transcript"] = call.transcript
    return merged


class CallNotYetKnown(LookupError):
    """A later callback of a call (no ``From``) arrived before the call's first request was
    recorded: nothing to attach it to yet. Not a bad payload; applying it again later succeeds."""

    # The inbound queue (channels/pipeline.py) tries such an event again later, a limited number of
    # times, instead of ending it in error at once.
    retryable = True


@dataclass(frozen=True)
class CallRecordResult:
    message: Message
    created: bool  # the call's first callback: its ticket message was created now
    changed: bool  # this callback told us something new (False: a redelivered callback)


def call_inbound_record(*, call: InboundCall, account=None, event=None) -> CallRecordResult:
    """Record one callback of a provider's call: the first creates the call's ticket message (kind
    ``call``, the call id as provider message id), later ones update that message's ``meta["call"]``
    (status, duration, recording, transcript), never a second message."""
    existing = Message.objects.filter(provider=call.provider, provider_message_id=call.call_id).first()
    created = False
    if existing is None and not call.sender.value:
        raise CallNotYetKnown(
            f"panggilan {call.call_id} belum tercatat: callback {call.raw.get('callback', '')} tanpa From"
        )
    if existing is None:
        result = ticket_ingest(
            message=InboundMessage(
                channel=call.channel,
                provider=call.provider,
                provider_message_id=call.call_id,
                sender=call.sender,
                timestamp=call.timestamp,
                text=_("Panggilan masuk"),
                kind=Message.Kind.CALL,
                meta={"call": {}},
                raw=call.raw,
            ),
            account=account,
            event=event,
        )
        existing, created = result.message, result.created
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=existing.pk)
        details = message.meta.get("call", {}) if isinstance(message.meta, dict) else {}
        merged = _merge_call_details(details, call)
        changed = merged != details
        if changed:
            message.meta = {**(message.meta or {}), "call": merged}
            message.save(update_fields=["meta"])
        if call.recording_url:
            source = _recording_source(call.recording_url)
            if not message.attachments.filter(source_url=source).exists():
                Attachment.objects.create(
                    message=message,
                    original_name=f"rekaman-{call.call_id}.mp3",
                    declared_content_type="audio/mpeg",
                    source_url=source,
                    provider_media_id=call.recording_sid or str(call.raw.get("RecordingSid", "")),
                    download_status=Attachment.DownloadStatus.PENDING,
                )
                transaction.on_commit(partial(_enqueue_after_ingest, message.pk))
                changed = True
    return CallRecordResult(message, created, changed or created)


def calls_awaiting_summary(*, since: dt.datetime | None = None):
    """Calls that reached us through a voice provider and no operator has summarized yet, newest
    first (the call-log form offers them so a call is not logged twice)."""
    since = since or timezone.now() - dt.timedelta(days=2)
    return (
        Message.objects.filter(
            kind=Message.Kind.CALL,
            direction=Message.Direction.IN,
            created_at__gte=since,
            meta__operator_log__isnull=True,
        )
        .exclude(provider=OPERATOR_PROVIDER)
        .select_related("ticket", "ticket__contact")
        .order_by("-created_at")
    )


def call_log_record(
    *,
    channel: str,
    caller_number: str,
    caller_name: str = "",
    topic: Topic | None = None,
    summary: str,
    duration_seconds: int | None = None,
    outcome: str = "",
    author=None,
    idempotency_token: str,
    call_message: Message | None = None,
    at: dt.datetime | None = None,
) -> Ticket:
    """Record a call an operator answered. With ``call_message`` (a call that came in through the
    voice provider) the summary, topic and outcome go to that call's ticket, which is not counted
    again; otherwise the call is ingested as a citizen's call on ``channel`` (provider "operator").

    ``idempotency_token`` comes from the form, so a double submit records the call once.
    """
    log = {
        "summary": summary,
        "outcome": outcome,
        "duration_seconds": duration_seconds,
        "logged_by": getattr(author, "pk", None),
        "logged_at": timezone.now().isoformat(),
        "token": idempotency_token,
    }
    if call_message is not None:
        with transaction.atomic():
            message = Message.objects.select_for_update().select_related("ticket").get(pk=call_message.pk)
            ticket = message.ticket
            if (message.meta or {}).get("operator_log", {}).get("token") == idempotency_token:
                return ticket  # the same form submitted twice
            message.meta = {**(message.meta or {}), "operator_log": log}
            message.save(update_fields=["meta"])
            Message.objects.create(
                ticket=ticket,
                direction=Message.Direction.NOTE,
                kind=Message.Kind.TEXT,
                channel=ticket.channel,
                body=summary,
                author=author,
                status=Message.Status.RECEIVED,
                meta={"operator_log_for": message.pk, "outcome": outcome},
            )
            if topic is not None:
                Ticket.objects.filter(pk=ticket.pk).update(topic=topic, updated_at=timezone.now())
                ticket.topic = topic
        return ticket

    if channel not in LOGGED_CALL_CHANNELS:
        raise ValueError(f"calls are logged on {LOGGED_CALL_CHANNELS}, not {channel}")
    result = ticket_ingest(
        message=InboundMessage(
            channel=channel,
            provider=OPERATOR_PROVIDER,
            provider_message_id=f"operator:{idempotency_token}",
            sender=Sender(kind="phone", value=caller_number, display_name=caller_name),
            timestamp=at or timezone.now(),
            text=summary,
            kind=Message.Kind.CALL,
            meta={"call": {"duration_seconds": duration_seconds, "outcome": outcome}, "operator_log": log},
        )
    )
    ticket = result.ticket
    if topic is not None and result.created:
        Ticket.objects.filter(pk=ticket.pk).update(topic=topic, updated_at=timezone.now())
        ticket.topic = topic
    return ticket
