"""Property-based fuzzing of the REST API from its own OpenAPI schema: no input gives a server error."""

from __future__ import annotations

import pytest
import schemathesis
from django.contrib.auth.models import Group
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error

from tickets.ingest import ticket_ingest
from tickets.models import Department, Official
from tickets.reference_data import reference_data_seed

from ..factories import inbound, staff_user

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))


@pytest.fixture
def api_auth(transactional_db):
    reference_data_seed()
    # One user with every role, so that every operation is reachable, not just refused.
    admin = staff_user("fuzz-admin", group="admin")
    admin.groups.add(Group.objects.get(name="operator"), Group.objects.get(name="official"))
    official = Official.objects.create(user=admin)
    official.departments.add(*Department.objects.all())
    for i in range(3):
        ticket_ingest(message=inbound(sender=f"08129999000{i}"))
    return {"Authorization": f"Token {Token.objects.get_or_create(user=admin)[0].key}"}


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_answers_with_a_server_error(case, live_server, api_auth):
    case.call_and_validate(base_url=live_server.url, headers=api_auth, checks=[not_a_server_error])
