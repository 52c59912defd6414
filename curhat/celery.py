"""The Celery app. Settings come from Django's (``CELERY_*``); tasks carry ids, never payloads."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "curhat.settings")

app = Celery("curhat")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
