"""Platform tasks: beat's heartbeat, shown on the admin's system page and in /metrics."""

from __future__ import annotations

import time

from celery import shared_task
from django.core.cache import cache

from .system import BEAT_HEARTBEAT_KEY


@shared_task(name="curhat.tasks.beat_heartbeat", ignore_result=True)
def beat_heartbeat() -> float:
    """Beat schedules this every minute; a worker stores when it ran. Stale means beat or every
    worker is down."""
    now = time.time()
    cache.set(BEAT_HEARTBEAT_KEY, now, timeout=24 * 3600)
    return now
