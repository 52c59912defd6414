"""Who answers for what: a topic's department, and which official of a department gets an escalation.

One routing rule for the escalation flow (officials.services), the topic detection and anyone asking
"who handles akta kematian?": the department's default official if available, else its first
available official; only officials who hold the role (tickets.roles.acting_officials). Reads the office's structure (tickets.models: Topic, Department, Official) only.
"""

from __future__ import annotations

from tickets.models import Department, Official, Topic
from tickets.roles import acting_officials


def official_route(*, department: Department, preferred: Official | None = None) -> Official | None:
    """Who answers for ``department``: the named official if available, else the department's default
    official if available, else any available official of the department (None if nobody is)."""
    # Only those who hold the official role (tickets.roles): a record whose role was revoked would be
    # given escalations that every page then refuses them.
    pool = acting_officials(department.officials.filter(is_available=True))
    for official in (preferred, department.default_official):
        if official is not None and pool.filter(pk=official.pk).exists():
            return official
    return pool.order_by("pk").first()


def topic_route(topic: Topic | str | None) -> tuple[Department | None, Official | None]:
    """Topic → department → default official, as the escalation flow uses it.

    The official is chosen by :func:`official_route`, so there is one routing rule; ``(None, None)``
    for an unknown topic or one without an active department (e.g. "lainnya").
    """
    if isinstance(topic, str):
        topic = Topic.objects.select_related("department__default_official").filter(code=topic).first()
    if topic is None or topic.department_id is None:
        return None, None
    department = topic.department
    if department is None or not department.is_active:
        return None, None
    return department, official_route(department=department)
