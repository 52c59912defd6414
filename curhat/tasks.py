"""Platform tasks: beat's heartbeat, shown on the admin's system page and in /metrics."""

from __future__ import annotations

import datetime as dt
import time

from celery import shared_task
from django.core.cache import cache

from .system import BEAT_HEARTBEAT_KEY


@shared_task(name="curhat.tasks.beat_heartbeat", ignore_result=True)
def beat_heartbeat() -> str:
    """Beat schedules this every minute; a worker stores when it ran. Stale means beat or every
    worker is down.

    Returns the time as an ISO 8601 string (the worker logs it: "succeeded in …s: <value>"): the
    epoch float (1798760911.133061) is 16 digits with a dot, which the log's NIK masker took for a
    NIK and masked (issue 18)."""
    now = time.time()
    cache.set(BEAT_HEARTBEAT_KEY, now, timeout=24 * 3600)
    return dt.datetime.fromtimestamp(now, tz=dt.UTC).isoformat(timespec="seconds")
