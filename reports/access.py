"""Who may read reports: admins (superusers or members of the "admin" group) see everything;
officials see their own departments' escalation metrics; everyone else gets 403."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

ADMIN_GROUP = "admin"


def is_report_admin(user) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or user.groups.filter(name=ADMIN_GROUP).exists()


def official_department_ids(user) -> list[int] | None:
    """The departments an official answers for, or None if the user is not an official."""
    from tickets.models import Official

    official = Official.objects.filter(user_id=user.pk).first() if user.is_authenticated else None
    if official is None:
        return None
    return list(official.departments.values_list("id", flat=True))


def _login_first(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


def admin_required(view):
    """Anonymous → login page; signed in but not an admin → 403."""

    @_login_first
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_report_admin(request.user):
            raise PermissionDenied("Laporan hanya untuk admin.")
        return view(request, *args, **kwargs)

    return wrapper


def admin_or_official_required(view):
    """Admins (all departments) or officials (``request.report_departments`` = theirs)."""

    @_login_first
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if is_report_admin(request.user):
            request.report_departments = None
        else:
            departments = official_department_ids(request.user)
            if departments is None:
                raise PermissionDenied("Hanya admin atau pejabat.")
            request.report_departments = departments
        return view(request, *args, **kwargs)

    return wrapper
