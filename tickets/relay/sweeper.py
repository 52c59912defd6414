"""The outbox sweep (beat): re-enqueue replies whose delivery task was lost, so a broker outage or a
lost worker delays a reply but never loses it (DESIGN §5.3)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tickets.models import Message
from tickets.relay.state import iso, outbox_state, outbox_state_set, sending_lease, when

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500


def outbox_sweep(*, enqueue: Callable[[int], None], now: dt.datetime | None = None) -> list[int]:
    """Re-enqueue replies whose task was lost: queued and due for longer than
    ``CURHAT_OUTBOX_STUCK_AFTER_SECONDS``, or ``sending`` past their lease (in doubt: the task
    reconciles, never blindly re-sends). Returns the ids enqueued. Each reply is swept at most once
    per period, so a long outage does not pile up duplicate tasks.

    ``enqueue(message_id)`` hands a reply to the delivery task once this sweep commits (the task
    module passes it: the sweeper does not import the tasks that run it)."""
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
            state = outbox_state(message)
            swept_at = when(state.get("swept_at"))
            if message.status == Message.Status.QUEUED:
                reference = max(filter(None, (when(state.get("due_at")), message.created_at, swept_at)))
                stale = reference <= now - stuck_after
            else:
                lease_until = when(state.get("lease_until"))
                stale = (lease_until is None or lease_until <= now) and (
                    swept_at is None or swept_at <= now - earliest
                )
            if not stale:
                continue
            outbox_state_set(message, swept_at=iso(now))
            message.save(update_fields=["meta"])
            swept.append(message.pk)
            transaction.on_commit(partial(enqueue, message.pk))
    if swept:
        logger.info("outbox sweep re-enqueued %d replies", len(swept))
    return swept
