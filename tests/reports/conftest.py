from __future__ import annotations

import pytest
from django.test import Client

from reports.services import workday_calendar_rebuild
from tests.factories import staff_user


@pytest.fixture
def admin_user(db):
    return staff_user("admin1", group="admin")


@pytest.fixture
def admin_client(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.fixture
def calendar_table(db):
    """The working-day table (migrations fill it; flushed by transactional tests, so refill)."""
    workday_calendar_rebuild()
