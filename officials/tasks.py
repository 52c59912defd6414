"""Thin Celery tasks: ids in, one service call."""

from __future__ import annotations

from celery import shared_task


@shared_task(
    acks_late=True, autoretry_for=(OSError,), retry_backoff=30, retry_backoff_max=1800, max_retries=8
)
def escalation_notify_task(escalation_id: int, kind: str) -> int:
    from .notifications import escalation_notify

    return escalation_notify(escalation_id=escalation_id, kind=kind)


@shared_task(acks_late=True)
def escalations_clock_task() -> dict[str, int]:
    from .services import escalations_clock_tick

    return escalations_clock_tick()
