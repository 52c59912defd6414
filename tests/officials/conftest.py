"""The office the escalation tests work in: an operator, the heads of three departments (each their
department's default official) and a deputy in Capil."""

from __future__ import annotations

import pytest

from tickets.models import Department, Official
from tickets.reference_data import reference_data_seed

from ..factories import staff_user


@pytest.fixture
def office():
    reference_data_seed()
    operator = staff_user("op", group="operator", email="op@example.org")
    officials = {}
    for code in ("dafduk", "capil", "piak"):
        user = staff_user(
            f"kabid.{code}", group="official", email=f"{code}@example.org", first_name=code.upper()
        )
        official = Official.objects.create(user=user, title=f"Kabid {code}")
        department = Department.objects.get(code=code)
        official.departments.add(department)
        department.default_official = official
        department.save()
        officials[code] = official
    deputy_user = staff_user("staf.capil", group="official", email="deputy@example.org")
    deputy = Official.objects.create(user=deputy_user, title="Koordinator Capil")
    deputy.departments.add(Department.objects.get(code="capil"))
    officials["capil_deputy"] = deputy
    return {"operator": operator, **officials}
