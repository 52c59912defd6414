from __future__ import annotations

import pytest
from django.core.cache import cache

from tickets.ingest import ticket_ingest
from tickets.reference_data import reference_data_seed

from ..factories import inbound, staff_user


@pytest.fixture(autouse=True)
def _fresh_presence():
    """Presence lives in the cache (Redis in the PostgreSQL pass): no viewer leaks between tests."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def seeded(db):
    reference_data_seed()


@pytest.fixture
def operator(seeded):
    return staff_user("operator1", group="operator", first_name="Rina", last_name="Operator")


@pytest.fixture
def operator2(seeded):
    return staff_user("operator2", group="operator", first_name="Budi", last_name="Operator")


@pytest.fixture
def official(seeded):
    return staff_user("pejabat1", group="official")


@pytest.fixture
def op_client(client, operator):
    client.force_login(operator)
    return client


def make_ticket(
    *, sender: str = "081234567890", text: str = "Syarat bikin KK baru?", name: str = "Andi", **extra
):
    return ticket_ingest(message=inbound(sender=sender, text=text, name=name, **extra)).ticket
