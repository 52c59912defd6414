from __future__ import annotations

import pytest
from django.core.cache import cache

import tickets.knowledge.admin  # noqa: F401  (registers the admin until tickets/admin.py imports it)
from tickets.knowledge.entries import knowledge_seed


@pytest.fixture(autouse=True)
def _knowledge_urls(settings):
    settings.ROOT_URLCONF = "tests.knowledge.urls"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def seeded(db):
    """Roles, departments, topics, the knowledge base and its classifier phrases, as seeded."""
    knowledge_seed()
