"""Beat tasks of personal-data protection."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="tickets.privacy_tasks.retention_sweep_task", acks_late=True)
def retention_sweep_task() -> int:
    from tickets.privacy.subjects import retention_sweep

    return retention_sweep()
