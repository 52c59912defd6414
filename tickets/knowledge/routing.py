"""Who answers for what: a topic's department, and which official of a department gets an escalation.

One routing rule for the escalation flow (officials.services), the topic detection and anyone asking
"who handles akta kematian?": the department's default official if available, else its first
available official. Reads the office's structure (tickets.models: Topic, Department, Official) only.
"""

from __future__ import annotations

from tickets.models import Department, Official, Topic


def official_route(*, department: Department, preferred: Official | None = None) -> Official | None:
    """Who answers for ``department``: the named official if available, else the department's default
    official if available, else any available official of the department (None if nobody is)."""
    candidates = [preferred, department.default_official]
    for official in candidates:
        if (
            official is not None
            and official.is_available
            and official.departments.filter(pk=department.pk).exists()
        ):
            return official
    return department.officials.filter(is_available=True, user__is_active=True).order_by("pk").first()


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
