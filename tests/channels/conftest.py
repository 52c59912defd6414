from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _only_channel_tasks_after_ingest(settings):
    """These tests look at what the channels do; other apps' after-ingest tasks (auto-ack, ...)
    have their own tests and would add outbound messages here."""
    settings.CURHAT_AFTER_INGEST_TASKS = ["channels.tasks.media_download"]
