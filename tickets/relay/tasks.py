"""Celery tasks of the tickets app: thin wrappers that take ids and call one service."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import MaxRetriesExceededError
from django.conf import settings

from . import outbox

logger = logging.getLogger(__name__)

# The hard time limit ends the task before its sending lease does: nobody else acts on a reply
# while a worker may still be talking to the provider (tickets/relay/outbox.py, point 2).
_LEASE_SECONDS = outbox.sending_lease().total_seconds()


@shared_task(
    name="tickets.tasks.message_deliver_task",
    bind=True,
    acks_late=True,  # a worker that dies mid-task leaves the message in the broker, redelivered
    reject_on_worker_lost=True,
    # Tries are counted in the database (CURHAT_OUTBOX_MAX_ATTEMPTS per operator retry); this is a
    # backstop, with room for the re-queues after an interrupted send.
    max_retries=settings.CURHAT_OUTBOX_MAX_ATTEMPTS + 3,
    time_limit=max(1, _LEASE_SECONDS - 2),
    ignore_result=True,
)
def message_deliver_task(self, message_id: int) -> str:
    result = outbox.message_deliver(message_id=message_id)
    if result.retry_in is not None:
        try:
            raise self.retry(countdown=result.retry_in)
        except MaxRetriesExceededError:
            logger.warning("message %s: task retries exhausted; the sweeper takes over", message_id)
    return result.status


@shared_task(name="tickets.tasks.outbox_sweep_task", ignore_result=True)
def outbox_sweep_task() -> int:
    return len(outbox.outbox_sweep())
