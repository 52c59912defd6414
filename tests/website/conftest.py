from __future__ import annotations

import pytest
from django.core.cache import cache

from tickets.models import Topic


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def topics(db):
    return [
        Topic.objects.create(code="kk", name="Kartu Keluarga (KK)", sort_order=1),
        Topic.objects.create(code="akta-kelahiran", name="Akta kelahiran", sort_order=2),
        Topic.objects.create(code="lama", name="Topik lama", is_active=False),
    ]
