"""The worker side of the outbox: hand one reply to its provider, and record what happened.

The database is the queue's source of truth (DESIGN §5.2-5.4). A reply is committed as
``Message(direction=out, status=queued)`` (``tickets.relay.outbox``); ``transaction.on_commit``
enqueues ``tickets.relay.tasks.message_deliver_task(message_id)``; the worker calls
:func:`message_deliver`, which sends through the provider's sender (``tickets.relay.senders``,
filled by the channels app) and records every try as a ``DeliveryAttempt``. The sweeper
(``tickets.relay.sweeper``, from beat) re-enqueues replies whose task was lost (Redis down, a
worker gone), so an outage delays a reply but never loses it.

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
     with the citizen before retrying (``tickets.relay.outbox.message_retry``).
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

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.models import DeliveryAttempt, Message, Ticket
from tickets.relay import senders
from tickets.relay.notes import message_note_create
from tickets.relay.senders import SendError, SendResult
from tickets.relay.state import iso, outbox_state, outbox_state_set, sending_lease, when

logger = logging.getLogger(__name__)

Outcome = DeliveryAttempt.Outcome
# Errors after which the provider may have taken the message although we saw no answer.
AMBIGUOUS_CODES = frozenset({"timeout"})
IN_DOUBT = "in_doubt"


@dataclass(frozen=True)
class DeliveryOutcome:
    """What one run of :func:`message_deliver` did: ``sent``, ``sandbox``, ``retry`` (run again in
    ``retry_in`` seconds), ``failed``, or ``skipped`` (``reason``: busy, done, unknown, ...)."""

    status: str
    reason: str = ""
    retry_in: float | None = None


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
        state = outbox_state(message)
        last = message.delivery_attempts.order_by("-number").first()
        if message.status == Message.Status.SENDING:
            lease_until = when(state.get("lease_until"))
            if lease_until is not None and lease_until > now:
                return DeliveryOutcome("skipped", "busy")
            in_doubt = True
        elif message.status == Message.Status.QUEUED:
            in_doubt = False
        else:
            # sent, delivered, read, failed: a duplicated or late task never sends again.
            return DeliveryOutcome("skipped", "done")
        lease = uuid.uuid4().hex
        outbox_state_set(message, lease=lease, lease_until=iso(now + sending_lease()), due_at=None)
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
    attempt = claim.attempt
    if attempt is None:
        return _resolve_in_doubt(claim, message)
    if settings.CURHAT_SANDBOX:
        return _sandbox_send(claim, attempt, message)
    try:
        sender = senders.sender_for(message.provider)
        reconcile = getattr(sender, "reconcile", None)
        if claim.reconcile_since is not None and reconcile is not None:
            found = reconcile(message, since=claim.reconcile_since)
            if found:
                return _record_sent(
                    claim, attempt, SendResult(provider_message_id=found, variant="reconciled")
                )
        result = sender.send(message)
    except SendError as error:
        return _record_error(claim, attempt, error)
    except Exception as exc:
        # A bug, not the provider: we cannot tell whether the request went out, so no automatic
        # retry; the operator sees it and may retry.
        logger.exception("sending message %s failed unexpectedly", message_id)
        return _record_error(
            claim, attempt, SendError(f"Galat internal: {exc!r}", permanent=True, code="internal_error")
        )
    return _record_sent(claim, attempt, result)


def _sandbox_send(claim: _Claim, attempt: DeliveryAttempt, message: Message) -> DeliveryOutcome:
    """Sends nothing but keeps the window rule: free text outside WhatsApp's 24 hours fails as the
    provider would refuse it without an approved template, and is recorded as the template with one."""
    try:
        sender = senders.sender_for(message.provider)
    except SendError:
        sender = None
    result = SendResult(provider_message_id="", variant="sandbox")
    if sender is not None and not sender.can_send_freeform(message.ticket):
        ready = getattr(sender, "template_ready", None)
        if ready is not None and not ready(message.account):
            refusal = SendError(
                _(
                    "Lebih dari 24 jam sejak pesan terakhir warga: pesan bebas tidak bisa dikirim dan "
                    "akun ini belum punya templat yang disetujui (mode sandbox)."
                ),
                permanent=True,
                code="window_closed",
                variant="sandbox",
            )
            return _record_error(claim, attempt, refusal)
        result = SendResult(provider_message_id="", variant="sandbox:template", kind="template")
    return _record_sent(claim, attempt, result, sandbox=True)


def _holds_lease(message: Message, claim: _Claim) -> bool:
    return message.status == Message.Status.SENDING and outbox_state(message).get("lease") == claim.lease


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
    outbox_state_set(message, lease=None, lease_until=None, due_at=None)
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


def _record_sent(
    claim: _Claim, attempt: DeliveryAttempt, result: SendResult, *, sandbox: bool = False
) -> DeliveryOutcome:
    now = timezone.now()
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=claim.message.pk)
        DeliveryAttempt.objects.filter(pk=attempt.pk).update(
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
    outbox_state_set(message, lease=None, lease_until=None, due_at=None)
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


def _record_error(claim: _Claim, attempt: DeliveryAttempt, error: SendError) -> DeliveryOutcome:
    now = timezone.now()
    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .select_related("ticket", "ticket__contact")
            .get(pk=claim.message.pk)
        )
        DeliveryAttempt.objects.filter(pk=attempt.pk).update(
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
        tries = message.attempts - int(outbox_state(message).get("budget_start", 0))
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
        outbox_state_set(message, lease=None, lease_until=None, due_at=iso(now + dt.timedelta(seconds=delay)))
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
            outbox_state_set(locked, lease=None, lease_until=None, due_at=iso(now))
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
            outbox_state_set(locked, lease=None, lease_until=iso(now + dt.timedelta(seconds=delay)))
            locked.error_code = error.code
            locked.error_text = error.reason
            locked.save(update_fields=["meta", "error_code", "error_text"])
    return DeliveryOutcome("skipped", "reconcile_later")
