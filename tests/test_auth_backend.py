"""curhat.auth.StaffBackend: the signed-in user comes with their roles and official record, and
nothing about who may do what is remembered between requests."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tickets.models import Department, Official
from tickets.reference_data import reference_data_seed

from .factories import staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(db):
    reference_data_seed()


def _sign_in(client, username: str) -> None:
    response = client.post(reverse("login"), {"username": username, "password": "rahasia-uji-123"})
    assert response.status_code == 302, response.content


def test_an_official_signs_in_and_sees_the_queue_link_without_a_query_for_it(client, seeded):
    user = staff_user("kabid", group="official", first_name="Sitti")
    Official.objects.create(user=user).departments.add(Department.objects.get(code="capil"))
    _sign_in(client, "kabid")
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(reverse("officials:queue"))
    assert page.status_code == 200 and "Antrean pejabat" in page.content.decode()
    tables = " ".join(q["sql"] for q in ctx.captured_queries)
    # The official record came joined to the user, the groups with a second query.
    assert tables.count('FROM "auth_user"') == 1 and 'LEFT OUTER JOIN "officials_official"' in tables
    assert client.get(reverse("inbox:list")).status_code == 403


def test_an_operator_is_not_an_official_and_a_revoked_role_counts_at_once(client, seeded):
    operator = staff_user("op", group="operator")
    _sign_in(client, "op")
    page = client.get(reverse("inbox:list"))
    assert page.status_code == 200 and "Antrean pejabat" not in page.content.decode()
    operator.groups.remove(Group.objects.get(name="operator"))
    assert client.get(reverse("inbox:list")).status_code == 403  # the next request reads the roles again
