"""Thin Celery tasks: ids in, one service call.

The e-mail task (``escalation_notify_task``) is defined with the e-mails it sends
(``officials.notifications``), which the services enqueue; it is imported here so that the worker,
which discovers ``officials.tasks``, registers it. This module is imported by none of them.
"""

from __future__ import annotations

from celery import shared_task

from .notifications import escalation_notify_task  # noqa: F401  (registered with the worker from here)
from .services import escalations_clock_tick


@shared_task(acks_late=True)
def escalations_clock_task() -> dict[str, int]:
    return escalations_clock_tick()
