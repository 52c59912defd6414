"""Replies out: the outbox in the database, and the worker side that hands a reply to its provider.

The database is the queue's source of truth (DESIGN §5.2-5.4). A reply is committed as
``Message(direction=out, status=queued)``; ``transaction.on_commit`` enqueues
``tickets.relay.tasks.message_deliver_task(message_id)``; the worker calls :func:`message_deliver`, which
sends through the provider's sender (``tickets.relay.senders``) and records every try as a
``DeliveryAttempt``. :func:`outbox_sweep` (beat) re-enqueues replies whose task was lost (Redis
down, a worker gone), so an outage delays a reply but never loses it.

What we guarantee, and how
--------------------------
States: ``queued → sending → sent`` (then the provider's callbacks: delivered/read/failed), or
``→ failed`` with the provider's code and reason; transient errors go back to ``queued`` with a due
time (exponential backoff with jitter, at least the provider's Retry-After) until
``CURHAT_OUTBOX_MAX_ATTEMPTS`` tries.

1. *A reply is sent only from ``queued``, by the worker that moved it to ``sending``.* The move
   (row lock, status check, ``attempts + 1``, a new attempt row, a lease token and lease end in
   ``meta["outbox"]``) is committed **before** the HTTP call. A duplicated task, a redelivered
   ``acks_late`` task or a sweeper re-enqueue finds the reply ``sending`` (lease running: skip) or
   ``sent``/``failed`` (skip): tasks can be duplicated freely.
2. *The lease outlives the send.* The lease is longer than a run's provider calls can take (two
   calls, each connect + read timeout, plus margin) and the task's hard time limit ends before the
   lease does, so no one else acts on a reply while its worker may still be talking to the provider.
3. *A reply found ``sending`` after its lease ran out is "in doubt"*: the worker died (``kill -9``,
   OOM, host loss) after committing ``sending`` and before recording the answer, so we cannot know
   whether the provider took it. It is **never blindly re-sent**:
   - providers that let us look up what was sent (Twilio: the Messages list, by To/From/time/body)
     are asked: found → recorded as sent with that id (nothing re-sent); provably absent → queued
     again and sent; the provider cannot be asked now → asked again later;
   - providers without such a lookup or an idempotency key (Meta's Graph API for WhatsApp and
     Messenger, SMTP) → ``failed`` with code ``in_doubt`` and a reason telling the operator to check
     with the citizen before retrying (:func:`message_retry`).
   So: exactly once for Twilio WhatsApp/SMS (with the sandbox and website-only replies, which have
   nothing to duplicate); at most once, with the doubt shown, for Meta WhatsApp, Messenger and
   e-mail (whose Message-ID is stable, so clients that collapse by Message-ID hide a repeat).
   We still pass our idempotency key where a provider may use it (Twilio's
   ``I-Twilio-Idempotency-Token``; e-mail's Message-ID).
4. *Read timeouts* are transient as the issue asks; before the next try the outbox asks Twilio (as
   in 3) whether the timed-out request was taken. Graph and SMTP cannot be asked: a response lost
   after Meta accepted the message can, rarely, mean a second copy (a 15 s read timeout on an API
   that answers in well under a second).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import uuid
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.models import Channel, DeliveryAttempt, Message, Ticket
from tickets.relay import senders
from tickets.relay.senders import SendError, SendResult

logger = logging.getLogger(__name__)

Outcome = DeliveryAttempt.Outcome
# Errors after which the provider may have taken the message although we saw no answer.
AMBIGUOUS_CODES = frozenset({"timeout"})
IN_DOUBT = "in_doubt"
SWEEP_BATCH = 500


@dataclass(frozen=True)
class DeliveryOutcome:
    """What one run of :func:`message_deliver` did: ``sent``, ``sandbox``, ``retry`` (run again in
    ``retry_in`` seconds), ``failed``, or ``skipped`` (``reason``: busy, done, unknown, ...)."""

    status: str
    reason: str = ""
    retry_in: float | None = None


# --- settings and small helpers -------------------------------------------------------------------


def sending_lease() -> dt.timedelta:
    """How long a worker owns a reply in ``sending``: the setting, but never less than what a run's
    provider (or SMTP) calls can take, so a slow but alive send is never taken for a dead one."""
    # One run may make two calls (a reconcile look-up, then the send), each connect + read timeout.
    timeout = max(settings.CURHAT_PROVIDER_TIMEOUT_SECONDS, settings.EMAIL_TIMEOUT or 0)
    return dt.timedelta(seconds=max(settings.CURHAT_OUTBOX_SENDING_LEASE_SECONDS, 4 * timeout + 5))


def retry_delay(tries: int, retry_after: float | None = None) -> float:
    """Seconds before try ``tries + 1``: base·2^(tries-1) capped, with "equal jitter" (half fixed,
    half random) so replies that failed together do not retry together; at least Retry-After."""
    base = settings.CURHAT_OUTBOX_BACKOFF_BASE_MS / 1000
    cap = settings.CURHAT_OUTBOX_BACKOFF_MAX_MS / 1000
    ceiling = min(cap, base * 2 ** max(0, tries - 1))
    delay = ceiling / 2 + random.uniform(0, ceiling / 2)
    if retry_after is not None:
        delay = max(delay, min(float(retry_after), settings.CURHAT_OUTBOX_RETRY_AFTER_MAX_SECONDS))
    return delay


def _state(message: Message) -> dict[str, Any]:
    return dict((message.meta or {}).get("outbox") or {})


def _set_state(message: Message, **changes: Any) -> None:
    meta = dict(message.meta or {})
    state = {**(meta.get("outbox") or {}), **changes}
    meta["outbox"] = {key: value for key, value in state.items() if value is not None}
    message.meta = meta


def _when(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat()


def _enqueue(message_id: int) -> None:
    """Hand a reply's id to the broker. A broker outage only delays the reply: the sweeper
    re-enqueues it, so a failure here is logged, never raised into the operator's request."""
    from tickets.relay.tasks import message_deliver_task

    try:
        message_deliver_task.apply_async(
            (message_id,),
            retry=True,
            retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1},
        )
    except Exception:
        logger.warning(
            "could not enqueue delivery of message %s; the sweeper will", message_id, exc_info=True
        )


# --- creating replies and notes -------------------------------------------------------------------


def _reply_account(ticket: Ticket, channel: str):
    if (
        ticket.account_id
        and ticket.account
        and ticket.account.channel == channel
        and ticket.account.is_active
    ):
        return ticket.account
    return senders.account_for_channel(channel)


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
        transaction.on_commit(partial(_enqueue, message.pk))
    return message


def message_note_create(*, ticket: Ticket, author, body: str, meta: dict[str, Any] | None = None) -> Message:
    """An internal note in the ticket's timeline: never sent (the relay only takes ``out``)."""
    body = (body or "").strip()
    if not body:
        raise ValidationError(_("Catatan tidak boleh kosong."), code="empty_note")
    return Message.objects.create(
        ticket=ticket,
        direction=Message.Direction.NOTE,
        channel=ticket.channel,
        body=body,
        author=author,
        # Notes are recorded, not delivered: "received" (Diterima) is the recorded state.
        status=Message.Status.RECEIVED,
        meta=dict(meta or {}),
    )


def message_retry(*, message: Message, author=None) -> Message:
    """An operator sends a failed reply again: a fresh budget of tries and a fresh idempotency
    token (the provider refused the old one). For an ``in_doubt`` failure the operator has checked
    that the citizen did not get it."""
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        if locked.direction != Message.Direction.OUT or locked.status != Message.Status.FAILED:
            raise ValidationError(_("Hanya balasan yang gagal yang bisa dikirim ulang."), code="not_failed")
        state = _state(locked)
        _set_state(
            locked,
            generation=int(state.get("generation", 0)) + 1,
            budget_start=locked.attempts,
            due_at=_iso(timezone.now()),  # the sweeper counts "stuck" from now, not from creation
            lease=None,
            lease_until=None,
            retried_by=getattr(author, "pk", None),
            retried_at=_iso(timezone.now()),
        )
        locked.status = Message.Status.QUEUED
        locked.error_code = ""
        locked.error_text = ""
        locked.save(update_fields=["status", "error_code", "error_text", "meta"])
        transaction.on_commit(partial(_enqueue, locked.pk))
    return locked


# --- the worker side ------------------------------------------------------------------------------


@dataclass
class _Claim:
    message: Message
    lease: str
    attempt: DeliveryAttempt | None  # the new attempt (normal send)
    open_attempt: DeliveryAttempt | None  # the interrupted attempt (in doubt)
    reconcile_since: dt.datetime | None  # ask the provider first (previous try timed out)


def _claim(message_id: int) -> _Claim | DeliveryOutcome:
    now = timezone.now()
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.direction != Message.Direction.OUT:
            return DeliveryOutcome("skipped", "unknown")
        state = _state(message)
        last = message.delivery_attempts.order_by("-number").first()
        if message.status == Message.Status.SENDING:
            lease_until = _when(state.get("lease_until"))
            if lease_until is not None and lease_until > now:
                return DeliveryOutcome("skipped", "busy")
            in_doubt = True
        elif message.status == Message.Status.QUEUED:
            in_doubt = False
        else:
            # sent, delivered, read, failed: a duplicated or late task never sends again.
            return DeliveryOutcome("skipped", "done")
        lease = uuid.uuid4().hex
        _set_state(message, lease=lease, lease_until=_iso(now + sending_lease()), due_at=None)
        if in_doubt:
            message.save(update_fields=["meta"])
            open_attempt = last if last is not None and not last.outcome else None
            return _Claim(message, lease, None, open_attempt, None)
        message.status = Message.Status.SENDING
        message.attempts += 1
        message.save(update_fields=["status", "attempts", "meta"])
        attempt = DeliveryAttempt.objects.create(message=message, number=message.attempts, started_at=now)
    since = last.started_at if last is not None and last.error_code in AMBIGUOUS_CODES else None
    return _Claim(message, lease, attempt, None, since)


def _load(message_id: int) -> Message:
    return Message.objects.select_related("ticket", "ticket__contact", "account").get(pk=message_id)


def message_deliver(*, message_id: int) -> DeliveryOutcome:
    """Hand one reply to its provider (the worker side; safe to call any number of times)."""
    claim = _claim(message_id)
    if isinstance(claim, DeliveryOutcome):
        return claim
    message = _load(message_id)
    if claim.attempt is None:
        return _resolve_in_doubt(claim, message)
    if settings.CURHAT_SANDBOX:
        return _record_sent(claim, SendResult(provider_message_id="", variant="sandbox"), sandbox=True)
    try:
        sender = senders.sender_for(message.provider)
        reconcile = getattr(sender, "reconcile", None)
        if claim.reconcile_since is not None and reconcile is not None:
            found = reconcile(message, since=claim.reconcile_since)
            if found:
                return _record_sent(claim, SendResult(provider_message_id=found, variant="reconciled"))
        result = sender.send(message)
    except SendError as error:
        return _record_error(claim, error)
    except Exception as exc:
        # A bug, not the provider: we cannot tell whether the request went out, so no automatic
        # retry; the operator sees it and may retry.
        logger.exception("sending message %s failed unexpectedly", message_id)
        return _record_error(
            claim, SendError(f"Galat internal: {exc!r}", permanent=True, code="internal_error")
        )
    return _record_sent(claim, result)


def _holds_lease(message: Message, claim: _Claim) -> bool:
    return message.status == Message.Status.SENDING and _state(message).get("lease") == claim.lease


def _mark_sent(message: Message, result: SendResult, now: dt.datetime) -> None:
    message.status = Message.Status.SENT
    message.sent_at = message.sent_at or now
    message.provider_message_id = result.provider_message_id
    if result.provider:
        message.provider = result.provider
    if result.kind:
        message.kind = result.kind
    message.error_code = ""
    message.error_text = ""
    message.meta = {**(message.meta or {}), **result.meta}
    _set_state(message, lease=None, lease_until=None, due_at=None)
    message.save(
        update_fields=[
            "status",
            "sent_at",
            "provider_message_id",
            "provider",
            "kind",
            "error_code",
            "error_text",
            "meta",
        ]
    )
    if not message.meta.get("autoack"):
        _ticket_answered(message.ticket_id, now)


def _ticket_answered(ticket_id: int, now: dt.datetime) -> None:
    """The first reply that reaches the provider is the ticket's first response, and answers a new
    or open ticket. An automatic acknowledgement (``meta["autoack"]``) is neither."""
    Ticket.objects.filter(pk=ticket_id).update(
        first_response_at=Coalesce(F("first_response_at"), Value(now)),
        status=Case(
            When(status__in=(Ticket.Status.NEW, Ticket.Status.OPEN), then=Value(Ticket.Status.ANSWERED)),
            default=F("status"),
        ),
        updated_at=now,
    )


def _record_sent(claim: _Claim, result: SendResult, *, sandbox: bool = False) -> DeliveryOutcome:
    now = timezone.now()
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=claim.message.pk)
        DeliveryAttempt.objects.filter(pk=claim.attempt.pk).update(
            finished_at=now,
            outcome=Outcome.SANDBOX if sandbox else Outcome.SENT,
            http_status=result.http_status,
            provider_message_id=result.provider_message_id,
            variant=result.variant[:100],
        )
        superseded = not _holds_lease(message, claim)
        # Our lease ran out and someone judged the send "in doubt" meanwhile: we know better now.
        corrected = message.status == Message.Status.FAILED and message.error_code == IN_DOUBT
        if superseded and not corrected:
            return DeliveryOutcome("skipped", "superseded")
        _mark_sent(message, result, now)
    return DeliveryOutcome("sandbox" if sandbox else "sent")


def _fail(message: Message, code: str, reason: str) -> None:
    message.status = Message.Status.FAILED
    message.error_code = code[:40]
    message.error_text = reason
    _set_state(message, lease=None, lease_until=None, due_at=None)
    message.save(update_fields=["status", "error_code", "error_text", "meta"])
    follow_up = FOLLOW_UPS.get(code)
    if follow_up is not None:
        follow_up(message)


def _callback_note(message: Message) -> None:
    number = senders.contact_identity(message.ticket, "phone")
    message_note_create(
        ticket=message.ticket,
        author=None,
        body=_("Telepon balik warga di %(number)s untuk menyampaikan balasan ini: %(body)s")
        % {"number": number, "body": message.body},
        meta={"callback": {"message_id": message.pk, "number": number}},
    )


# What a permanent error code asks of the operator beyond the failure itself.
FOLLOW_UPS = {"callback_required": _callback_note}


def _record_error(claim: _Claim, error: SendError) -> DeliveryOutcome:
    now = timezone.now()
    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .select_related("ticket", "ticket__contact")
            .get(pk=claim.message.pk)
        )
        DeliveryAttempt.objects.filter(pk=claim.attempt.pk).update(
            finished_at=now,
            outcome=Outcome.PERMANENT_ERROR if error.permanent else Outcome.TRANSIENT_ERROR,
            http_status=error.http_status,
            error_code=error.code,
            error_text=error.reason,
            variant=error.variant[:100],
        )
        if not _holds_lease(message, claim):
            return DeliveryOutcome("skipped", "superseded")
        if error.permanent:
            _fail(message, error.code, error.reason)
            return DeliveryOutcome("failed", error.code)
        tries = message.attempts - int(_state(message).get("budget_start", 0))
        if tries >= settings.CURHAT_OUTBOX_MAX_ATTEMPTS:
            _fail(
                message,
                error.code,
                _("%(reason)s (menyerah setelah %(tries)d percobaan)")
                % {"reason": error.reason, "tries": tries},
            )
            return DeliveryOutcome("failed", error.code)
        delay = retry_delay(tries, error.retry_after)
        message.status = Message.Status.QUEUED
        # Shown while we keep trying: the operator sees why it has not gone yet.
        message.error_code = error.code
        message.error_text = error.reason
        _set_state(message, lease=None, lease_until=None, due_at=_iso(now + dt.timedelta(seconds=delay)))
        message.save(update_fields=["status", "error_code", "error_text", "meta"])
    return DeliveryOutcome("retry", error.code, retry_in=delay)


def _resolve_in_doubt(claim: _Claim, message: Message) -> DeliveryOutcome:
    """A reply left ``sending`` by a worker that died (see the module docstring, point 3)."""
    since = claim.open_attempt.started_at if claim.open_attempt else message.created_at
    found: str | None = None
    absent = bool(settings.CURHAT_SANDBOX)  # the sandbox sent nothing: trying again is safe
    if not absent:
        try:
            reconcile = getattr(senders.sender_for(message.provider), "reconcile", None)
            if reconcile is not None:
                found = reconcile(message, since=since)
                absent = found is None
        except SendError as error:
            if not error.permanent:
                return _in_doubt_later(claim, error)
    now = timezone.now()
    with transaction.atomic():
        locked = Message.objects.select_for_update().select_related("ticket").get(pk=message.pk)
        if not _holds_lease(locked, claim):
            return DeliveryOutcome("skipped", "superseded")
        attempt = claim.open_attempt
        if found:
            if attempt is not None:
                DeliveryAttempt.objects.filter(pk=attempt.pk).update(
                    finished_at=now,
                    outcome=Outcome.SENT,
                    provider_message_id=found,
                    variant="reconciled",
                    error_text="Pekerja terhenti; penyedia menunjukkan pesan sudah diterima.",
                )
            _mark_sent(locked, SendResult(provider_message_id=found, variant="reconciled"), now)
            return DeliveryOutcome("sent", "reconciled")
        if absent:
            if attempt is not None:
                DeliveryAttempt.objects.filter(pk=attempt.pk).update(
                    finished_at=now,
                    outcome=Outcome.TRANSIENT_ERROR,
                    error_code="worker_lost",
                    error_text="Pekerja terhenti sebelum penyedia menerima pesan; dikirim lagi.",
                )
            locked.status = Message.Status.QUEUED
            _set_state(locked, lease=None, lease_until=None, due_at=_iso(now))
            locked.save(update_fields=["status", "meta"])
            return DeliveryOutcome("retry", "worker_lost", retry_in=0)
        reason = _(
            "Pengiriman terputus (pekerja berhenti) dan penyedia ini tidak bisa ditanya apakah pesan "
            "sudah diterima. Pastikan ke warga sebelum mengirim ulang, agar tidak terkirim dua kali."
        )
        if attempt is not None:
            DeliveryAttempt.objects.filter(pk=attempt.pk).update(
                finished_at=now, outcome=Outcome.PERMANENT_ERROR, error_code=IN_DOUBT, error_text=reason
            )
        _fail(locked, IN_DOUBT, reason)
    return DeliveryOutcome("failed", IN_DOUBT)


def _in_doubt_later(claim: _Claim, error: SendError) -> DeliveryOutcome:
    """The provider could not be asked now: keep the reply ``sending`` and ask again after a pause
    (the lease end is the next look; the sweeper brings it back)."""
    now = timezone.now()
    delay = retry_delay(1, error.retry_after)
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=claim.message.pk)
        if _holds_lease(locked, claim):
            _set_state(locked, lease=None, lease_until=_iso(now + dt.timedelta(seconds=delay)))
            locked.error_code = error.code
            locked.error_text = error.reason
            locked.save(update_fields=["meta", "error_code", "error_text"])
    return DeliveryOutcome("skipped", "reconcile_later")


# --- the sweeper ----------------------------------------------------------------------------------


def outbox_sweep(*, now: dt.datetime | None = None) -> list[int]:
    """Re-enqueue replies whose task was lost: queued and due for longer than
    ``CURHAT_OUTBOX_STUCK_AFTER_SECONDS``, or ``sending`` past their lease (in doubt: the task
    reconciles, never blindly re-sends). Returns the ids enqueued. Each reply is swept at most once
    per period, so a long outage does not pile up duplicate tasks."""
    now = now or timezone.now()
    stuck_after = dt.timedelta(seconds=settings.CURHAT_OUTBOX_STUCK_AFTER_SECONDS)
    earliest = min(stuck_after, sending_lease())
    swept: list[int] = []
    with transaction.atomic():
        candidates = (
            Message.objects.select_for_update(skip_locked=True)
            .filter(
                direction=Message.Direction.OUT,
                status__in=(Message.Status.QUEUED, Message.Status.SENDING),
                created_at__lte=now - min(earliest, stuck_after),
            )
            .order_by("created_at")
            .only("id", "status", "meta", "created_at")[:SWEEP_BATCH]
        )
        for message in candidates:
            state = _state(message)
            swept_at = _when(state.get("swept_at"))
            if message.status == Message.Status.QUEUED:
                reference = max(filter(None, (_when(state.get("due_at")), message.created_at, swept_at)))
                stale = reference <= now - stuck_after
            else:
                lease_until = _when(state.get("lease_until"))
                stale = (lease_until is None or lease_until <= now) and (
                    swept_at is None or swept_at <= now - earliest
                )
            if not stale:
                continue
            _set_state(message, swept_at=_iso(now))
            message.save(update_fields=["meta"])
            swept.append(message.pk)
            transaction.on_commit(partial(_enqueue, message.pk))
    if swept:
        logger.info("outbox sweep re-enqueued %d replies", len(swept))
    return swept
