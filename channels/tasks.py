"""Celery tasks of the channels app: thin, they take ids and call one service."""

from __future__ import annotations

import datetime as dt
import random

from celery import shared_task
from django.conf import settings

from .media import message_media_download, messages_with_stalled_media
from .profiles import (
    ProfileUnavailable,
    message_profile_identity,
    messenger_identities_without_name,
    messenger_profile_fetch,
)


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


# --- Messenger contacts' names (channels.profiles) ---------------------------------------------------
@shared_task(bind=True, acks_late=True, max_retries=None, ignore_result=True)
def messenger_profile_task(self, identity_id: int) -> str:
    """Name a Messenger contact from its Graph API profile. Transient failures retry with backoff
    and jitter; after the last attempt the identity is marked as tried and its name kept."""
    attempts = settings.CURHAT_PROFILE_FETCH_MAX_ATTEMPTS
    final = self.request.retries + 1 >= attempts
    try:
        return messenger_profile_fetch(identity_id=identity_id, final_attempt=final)
    except ProfileUnavailable as exc:
        countdown = settings.CURHAT_PROFILE_FETCH_BACKOFF_SECONDS * (2**self.request.retries)
        raise self.retry(exc=exc, countdown=countdown * (0.5 + random.random())) from exc


@shared_task(ignore_result=True)
def messenger_profile_fetch_after_ingest(message_id: int) -> str:
    """After-ingest task (CURHAT_AFTER_INGEST_TASKS, on a new ticket): for a Messenger contact with
    no name not yet asked about, fetch its profile; for any other message, nothing."""
    identity_id = message_profile_identity(message_id=message_id)
    if identity_id is None:
        return "skipped"
    messenger_profile_task.delay(identity_id)
    return "enqueued"


@shared_task(ignore_result=True)
def messenger_profile_sweep() -> int:
    """Beat: enqueue the profile of every Messenger contact still without a name and never tried
    (its task was lost, the broker was down). The database, not the broker, says what is left."""
    stale = list(
        messenger_identities_without_name(
            older_than=dt.timedelta(seconds=settings.CURHAT_PROFILE_SWEEP_AFTER_SECONDS)
        ).values_list("pk", flat=True)[:500]
    )
    for identity_id in stale:
        messenger_profile_task.delay(identity_id)
    return len(stale)
