from __future__ import annotations

from django.apps import AppConfig


class CurhatConfig(AppConfig):
    """The composition root (settings, urls, commands); registers the platform's system checks."""

    name = "curhat"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers curhat.E0xx)
