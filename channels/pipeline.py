"""The inbound queue: what happens to an event after the webhook has committed it and answered.

The database is the queue's truth (DESIGN §5.1). A webhook stores the raw event as ``pending`` and
answers; :func:`queue_drain` takes waiting events in batches with ``SELECT … FOR UPDATE SKIP
LOCKED`` (so any number of workers share the work without taking the same event twice), applies each
one in its own savepoint, and commits the batch. A worker killed mid-batch leaves nothing half done:
its transaction dies with its connection, the rows are unlocked, and the next worker applies them
(the ingest is idempotent, so nothing is doubled).

- **Who drains**: ``manage.py inbound_worker`` (woken by PostgreSQL's ``NOTIFY`` on every committed
  event, with a periodic backstop), and the beat task ``inbound_drain_task`` as a second backstop.
  Redis is only ever a wake-up, never where an event lives. On the embedded default (SQLite, tasks
  in-process) the webhook drains right after its own commit (``CURHAT_INBOUND_PROCESSING=inline``).
- **Order per citizen**: each event carries ``order_key`` (a keyed hash of its sender); an event is
  not applied while an earlier event with the same key still waits (in another worker's batch, or in
  its backoff), so one citizen's messages are threaded in the order they arrived.
- **Transient failures retry until they succeed**: a deadlock, a serialization failure, a lock or
  statement timeout, a lost connection put the event back with a growing delay
  (``available_at``); only a permanent failure (a parser or data bug) ends in ``error``, with the
  reason, for ``replay_events`` after a fix.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import random
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Min, Q
from django.utils import timezone

from curhat.requestid import REQUEST_ID_HEADER_KEY, reset_request_id, set_request_id
from tickets.identities import normalize_identity
from tickets.inbound import InboundCall, InboundMessage

from .models import InboundEvent, InboundEventKey
from .processing import event_process
from .registry import inbound_for_provider
from .transient import is_transient

logger = logging.getLogger(__name__)


# --- order keys -------------------------------------------------------------------------------------
def _item_key(item) -> str:
    if isinstance(item, InboundMessage):
        try:
            value = normalize_identity(item.sender.kind, item.sender.value)
        except Exception:  # the ingest will say what is wrong with it; order by the raw value
            value = item.sender.value
        return f"{item.sender.kind}:{value}"
    if isinstance(item, InboundCall):
        return f"call:{item.provider}:{item.call_id}"
    return ""


def order_keys(items) -> list[str]:
    """Keyed hashes of every sender (or call) of an event's items, first seen first; [] when order does
    not matter (delivery statuses never move a message backwards). Meta may put several citizens'
    messages in one request: each of them keeps its order."""
    key = hashlib.sha256(f"curhat-inbound-order:{settings.SECRET_KEY}".encode()).digest()[:32]
    keys: list[str] = []
    for item in items:
        plain = _item_key(item)
        if plain:
            hashed = hashlib.blake2b(plain.encode(), key=key, digest_size=16).hexdigest()
            if hashed not in keys:
                keys.append(hashed)
    return keys


# An event whose data is not applicable yet (``retryable``: a call's callback that arrived before the
# call) is tried this many times before it ends in ``error`` (database failures retry without limit).
RETRYABLE_ATTEMPTS = 10


# --- the drain ----------------------------------------------------------------------------------------
@dataclass
class DrainResult:
    applied: int = 0  # events that reached a final outcome (processed, duplicate, ignored, rejected, error)
    retried: int = 0  # transient failures, put back with a delay
    deferred: int = 0  # left for later: an earlier event of the same sender still waits
    batches: int = 0

    def __iadd__(self, other: DrainResult) -> DrainResult:
        self.applied += other.applied
        self.retried += other.retried
        self.deferred += other.deferred
        self.batches += other.batches
        return self


def retry_delay(attempts: int) -> dt.timedelta:
    """Exponential backoff with jitter, capped (``CURHAT_INBOUND_RETRY_*``)."""
    base = settings.CURHAT_INBOUND_RETRY_BASE_SECONDS
    cap = settings.CURHAT_INBOUND_RETRY_MAX_SECONDS
    seconds = min(cap, base * 2 ** max(0, attempts - 1)) * (0.5 + random.random() / 2)
    return dt.timedelta(seconds=seconds)


def _due() -> Q:
    return Q(available_at__isnull=True) | Q(available_at__lte=timezone.now())


def _batch_keys(events: list[InboundEvent]) -> dict[int, set[str]]:
    """Every order key of each event of the batch: its ``order_key`` and its further senders' keys."""
    keys = {event.pk: ({event.order_key} if event.order_key else set()) for event in events}
    for event_id, key in InboundEventKey.objects.filter(event__in=events).values_list("event_id", "key"):
        keys[event_id].add(key)
    return keys


def _earlier_waiting(events: list[InboundEvent], batch_keys: dict[int, set[str]]) -> dict[str, int]:
    """For each order key of the batch: the smallest id of a waiting event with that key that is not
    in the batch (taken by another worker, or in its backoff)."""
    keys = set().union(*batch_keys.values()) if batch_keys else set()
    if not keys:
        return {}
    ids = [event.pk for event in events]
    first: dict[str, int] = {}
    rows = (
        InboundEvent.objects.filter(outcome=InboundEvent.Outcome.PENDING, order_key__in=keys, pk__lt=max(ids))
        .exclude(pk__in=ids)
        .values("order_key")
        .annotate(first=Min("id"))
    )
    for row in rows:
        first[row["order_key"]] = row["first"]
    extra = (
        InboundEventKey.objects.filter(
            key__in=keys, event__outcome=InboundEvent.Outcome.PENDING, event_id__lt=max(ids)
        )
        .exclude(event_id__in=ids)
        .values("key")
        .annotate(first=Min("event_id"))
    )
    for row in extra:
        first[row["key"]] = min(first.get(row["key"], row["first"]), row["first"])
    return first


def _retry_later(event: InboundEvent, exc: BaseException, *, unordered: bool = False) -> None:
    """Back in the queue after a delay. ``unordered``: the event waits for data that a LATER event of
    the same sender brings (a call's callback before the call): it must not hold that event back."""
    attempts = (event.attempts or 0) + 1
    reason = f"dicoba lagi (percobaan {attempts}): {type(exc).__name__}: {exc}"[:4000]
    fields: dict[str, object] = {}
    if unordered:
        fields["order_key"] = ""
        InboundEventKey.objects.filter(event=event).delete()
    InboundEvent.objects.filter(pk=event.pk).update(
        attempts=min(attempts, 32767),
        available_at=timezone.now() + retry_delay(attempts),
        reason=reason,
        **fields,
    )


def _fail(event: InboundEvent, exc: BaseException) -> None:
    InboundEvent.objects.filter(pk=event.pk).update(
        outcome=InboundEvent.Outcome.ERROR,
        reason=f"{type(exc).__name__}: {exc}"[:4000],
        processed_at=timezone.now(),
        attempts=min((event.attempts or 0) + 1, 32767),
        order_key="",
        available_at=None,
    )


def _apply(event: InboundEvent, result: DrainResult) -> bool:
    """Apply one event inside the batch's transaction, under the request id of the webhook that
    stored it (kept in its headers): the worker's log lines and the tasks it enqueues carry it, so
    ``grep <id>`` follows a message from the webhook through the queue to Celery. False when it
    failed transiently."""
    stored_id = (event.headers or {}).get(REQUEST_ID_HEADER_KEY) or ""
    if not stored_id:
        return _apply_as_stored(event, result)
    token = set_request_id(stored_id)
    registered = len(connection.run_on_commit)
    try:
        return _apply_as_stored(event, result)
    finally:
        _bind_commit_callbacks(registered, stored_id)
        reset_request_id(token)


def _bind_commit_callbacks(start: int, request_id: str) -> None:
    """The tasks an event enqueues are published by on_commit callbacks, which run when the whole
    batch commits, after the event's request id was reset: each callback the event registered runs
    under its id (Django keeps them as (savepoint ids, callback, robust) in ``run_on_commit``)."""

    def bound(func):
        def run():
            token = set_request_id(request_id)
            try:
                return func()
            finally:
                reset_request_id(token)

        return run

    # (savepoint ids, callback, robust) since Django 4.2; the stubs still say pairs.
    callbacks: list[Any] = connection.run_on_commit  # type: ignore[assignment]
    for index in range(start, len(callbacks)):
        savepoints, func, robust = callbacks[index]
        callbacks[index] = (savepoints, bound(func), robust)


def _apply_as_stored(event: InboundEvent, result: DrainResult) -> bool:
    if inbound_for_provider(event.provider) is None:
        # Its provider is switched off here (CURHAT_CHANNEL_PROVIDERS): the event waits, with the
        # longest delay, until the configuration brings it back.
        _retry_later(event, RuntimeError(f"penyedia {event.provider} tidak tersedia"))
        result.retried += 1
        return False
    try:
        with transaction.atomic():  # a savepoint: a failed event is undone alone
            event_process(event)
    except Exception as exc:
        gave_up = getattr(exc, "retryable", False) and (event.attempts or 0) + 1 >= RETRYABLE_ATTEMPTS
        if is_transient(exc) and not gave_up:
            logger.warning("event %s: transient failure, will retry: %s", event.pk, exc)
            if connection.needs_rollback or not connection.is_usable():
                raise  # the transaction (or the connection) itself is lost: the whole batch retries
            _retry_later(event, exc, unordered=bool(getattr(exc, "retryable", False)))
            result.retried += 1
            return False
        logger.exception("event %s could not be applied", event.pk)
        _fail(event, exc)
        result.applied += 1
        return True
    logger.info("event %s (%s) applied", event.pk, event.provider)
    result.applied += 1
    return True


def queue_batch(*, batch_size: int | None = None) -> DrainResult:
    """Take one batch of due events (oldest first) and apply them; one commit for the batch."""
    size = batch_size or settings.CURHAT_INBOUND_BATCH_SIZE
    result = DrainResult()
    with transaction.atomic():
        events = list(
            InboundEvent.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("account")
            .filter(outcome=InboundEvent.Outcome.PENDING)
            .filter(_due())
            .order_by("id")[:size]
        )
        if not events:
            return result
        result.batches = 1
        if connection.vendor == "postgresql":
            # A row someone holds (an operator's long transaction) must not stall the whole queue:
            # after this long the event is put back (a transient failure) and the batch goes on.
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('lock_timeout', %s, true)",
                    [f"{settings.CURHAT_INBOUND_LOCK_TIMEOUT_MS}ms"],
                )
        batch_keys = _batch_keys(events)
        waiting = _earlier_waiting(events, batch_keys)
        blocked: set[str] = set()
        for event in events:
            keys = batch_keys[event.pk]
            if any(key in blocked or waiting.get(key, event.pk) < event.pk for key in keys):
                blocked |= keys  # keep each sender's order: this one waits for the earlier one
                result.deferred += 1
                continue
            if not _apply(event, result):
                blocked |= keys
    return result


def queue_drain(*, batch_size: int | None = None, max_batches: int | None = None) -> DrainResult:
    """Apply due events until none is left (or ``max_batches`` were taken). Returns the counts."""
    total = DrainResult()
    while max_batches is None or total.batches < max_batches:
        result = queue_batch(batch_size=batch_size)
        total += result
        if not result.batches or (not result.applied and not result.retried):
            break  # empty, or everything left is waiting on another worker
    return total


def queue_wake_inline() -> None:
    """Embedded default: the webhook applies waiting events itself, right after its commit."""
    if settings.CURHAT_INBOUND_PROCESSING != "inline":
        return
    try:
        queue_drain(max_batches=settings.CURHAT_INBOUND_INLINE_BATCHES)
    except DatabaseError:  # the event is committed: the next request (or replay_events) applies it
        logger.exception("inline processing of inbound events failed; they stay pending")


def queue_backlog() -> dict[str, object]:
    """Waiting events and the age of the oldest (for the worker's log, metrics and the system page)."""
    pending = InboundEvent.objects.filter(outcome=InboundEvent.Outcome.PENDING)
    oldest = pending.order_by("id").values_list("received_at", flat=True).first()
    return {
        "pending": pending.count(),
        "oldest_age_seconds": (timezone.now() - oldest).total_seconds() if oldest else 0.0,
    }
