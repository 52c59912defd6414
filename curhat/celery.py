"""The Celery app. Settings come from Django's (``CELERY_*``); tasks carry ids, never payloads."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "curhat.settings")

app = Celery("curhat")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The request id follows a task from the web request that enqueued it to the worker (curhat/logging.py).
from curhat.logging import connect_celery  # noqa: E402

connect_celery(app)
