"""Who may read reports, by the roles of ``tickets.roles``: admins see everything; officials see
their own departments' escalation metrics; everyone else gets 403."""

from __future__ import annotations

from functools import wraps

from tickets.reference_data import ROLE_ADMIN
from tickets.roles import is_acting_official, is_admin, official_department_ids, role_required, staff_required

admin_required = staff_required(ROLE_ADMIN, message="Laporan hanya untuk admin.")


def admin_or_official_required(view):
    """Admins (all departments) or officials (``request.report_departments`` = theirs)."""

    @role_required(lambda user: is_admin(user) or is_acting_official(user), "Hanya admin atau pejabat.")
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        admin = is_admin(request.user)
        request.report_departments = None if admin else official_department_ids(request.user)
        return view(request, *args, **kwargs)

    return wrapper
