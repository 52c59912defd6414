"""Celery tasks of the knowledge base: thin wrappers that take ids (listed in CELERY_IMPORTS, as
autodiscovery only finds ``tasks.py``)."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from tickets.knowledge.autoack import ticket_autoack


@shared_task(
    name="tickets.knowledge_tasks.ticket_autoack_task",
    bind=True,
    acks_late=True,  # a worker dying mid-task leaves it in the broker; the suggestion row makes a rerun a no-op
    reject_on_worker_lost=True,
    max_retries=5,
    ignore_result=True,
)
def ticket_autoack_task(self, message_id: int) -> str:
    """After ingest: classify a new ticket's first message, route it, send the acknowledgement."""
    try:
        return ticket_autoack(message_id=message_id)
    except DatabaseError as exc:  # a lock timeout or a lost connection: try again shortly
        raise self.retry(exc=exc, countdown=5 * 2**self.request.retries) from exc


@shared_task(name="tickets.knowledge_tasks.autoack_sweep_task", ignore_result=True)
def autoack_sweep_task() -> int:
    """Finish the first-reply work (topic, routing, acknowledgement) of new tickets whose task was
    lost (the broker was down at the publish, or a worker died): the database says what is left."""
    from django.conf import settings

    from tickets.knowledge.autoack import tickets_awaiting_autoack

    done = 0
    for message_id in tickets_awaiting_autoack(
        older_than_seconds=settings.CURHAT_AUTOACK_SWEEP_AFTER_SECONDS, limit=200
    ):
        try:
            ticket_autoack(message_id=message_id)
            done += 1
        except DatabaseError:  # locked or lost: the next sweep tries again
            continue
    return done
