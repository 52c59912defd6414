"""Celery tasks of the channels app: thin, they take ids and call one service."""

from __future__ import annotations

import datetime as dt
import random

from celery import shared_task
from django.conf import settings

from .media import message_media_download, messages_with_stalled_media


class MediaStillPending(Exception):
    """Some of a message's files could not be fetched yet (the task retries)."""


@shared_task(bind=True, acks_late=True, max_retries=None)
def media_download(self, message_id: int) -> list[int]:
    """Download a new message's pending files (enqueued by ticket_ingest on commit). Retries with
    exponential backoff and jitter; on the last attempt what is still missing is marked failed."""
    attempts = settings.CURHAT_MEDIA_DOWNLOAD_MAX_ATTEMPTS
    final = self.request.retries + 1 >= attempts
    pending = message_media_download(message_id=message_id, final_attempt=final)
    if pending and not final:
        base = settings.CURHAT_MEDIA_DOWNLOAD_BACKOFF_SECONDS
        countdown = base * (2**self.request.retries) * (0.5 + random.random())
        raise self.retry(exc=MediaStillPending(f"attachments {pending}"), countdown=countdown)
    return pending


@shared_task(ignore_result=True)
def media_download_sweep() -> int:
    """Re-enqueue downloads whose task was lost (the database, not the broker, is the source of
    truth: DESIGN §5.3). Runs from beat; a download that is merely waiting for its retry may be
    tried once more early, which is harmless."""
    stalled = messages_with_stalled_media(
        older_than=dt.timedelta(seconds=settings.CURHAT_MEDIA_SWEEP_AFTER_SECONDS)
    )
    for message_id in stalled:
        media_download.delay(message_id)
    return len(stalled)


@shared_task(name="channels.tasks.inbound_drain_task", ignore_result=True)
def inbound_drain_task() -> int:
    """The queue's backstop from beat: apply whatever waits (``manage.py inbound_worker`` normally
    does it within milliseconds). Losing this task loses nothing: the events are in the database."""
    from .pipeline import queue_drain

    return queue_drain(max_batches=settings.CURHAT_INBOUND_BACKSTOP_BATCHES).applied
