"""Celery tasks of the relay: thin wrappers that take ids and call one service, and the one way a
reply's delivery is enqueued.

Imports point one way: this module imports the worker side (``delivery``, ``sweeper``); the outbox,
which enqueues, imports this module; nothing here imports the outbox.
"""

from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import MaxRetriesExceededError
from django.conf import settings

from tickets.relay import delivery, sweeper
from tickets.relay.state import sending_lease

logger = logging.getLogger(__name__)

# The hard time limit ends the task before its sending lease does: nobody else acts on a reply
# while a worker may still be talking to the provider (tickets/relay/delivery.py, point 2).
_LEASE_SECONDS = sending_lease().total_seconds()


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
    result = delivery.message_deliver(message_id=message_id)
    if result.retry_in is not None:
        try:
            raise self.retry(countdown=result.retry_in)
        except MaxRetriesExceededError:
            logger.warning("message %s: task retries exhausted; the sweeper takes over", message_id)
    return result.status


def message_deliver_enqueue(message_id: int) -> None:
    """Hand a reply's id to the broker. A broker outage only delays the reply: the sweeper
    re-enqueues it, so a failure here is logged, never raised into the operator's request."""
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


@shared_task(name="tickets.tasks.outbox_sweep_task", ignore_result=True)
def outbox_sweep_task() -> int:
    return len(sweeper.outbox_sweep(enqueue=message_deliver_enqueue))
