"""Who may do what: staff roles are Django groups ("operator", "official", "admin", seeded by
``tickets.reference_data``); a superuser counts as admin.

Operators (and admins, who supervise them) work in the inbox; officials answer escalations in their
own queue and must not see the inbox (DESIGN §5.7, least privilege).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from tickets.reference_data import ROLE_ADMIN, ROLE_OFFICIAL, ROLE_OPERATOR

# Roles that may use the operators' inbox.
INBOX_ROLES = (ROLE_OPERATOR, ROLE_ADMIN)


def user_roles(user) -> frozenset[str]:
    """The user's role names, read once per request (cached on the user object)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_curhat_roles", None)
    if cached is None:
        # The groups come with the user (curhat.auth.StaffBackend), or are read here.
        names = {group.name for group in user.groups.all()} & {ROLE_OPERATOR, ROLE_OFFICIAL, ROLE_ADMIN}
        if user.is_superuser:
            names.add(ROLE_ADMIN)
        cached = frozenset(names)
        user._curhat_roles = cached
    return cached


def is_operator(user) -> bool:
    return ROLE_OPERATOR in user_roles(user)


def is_official(user) -> bool:
    return ROLE_OFFICIAL in user_roles(user)


def is_admin(user) -> bool:
    return ROLE_ADMIN in user_roles(user)


def has_role(user, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))


def can_use_inbox(user) -> bool:
    return has_role(user, *INBOX_ROLES)


def staff_required(*roles: str) -> Callable:
    """View decorator: anonymous users go to the login page; signed-in users without one of
    ``roles`` (default: the inbox roles) get 403."""
    allowed = roles or INBOX_ROLES

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request, *args: Any, **kwargs: Any):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, *allowed):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class StaffRequiredMixin:
    """Class-based-view form of :func:`staff_required`; set ``required_roles`` on the view."""

    required_roles: tuple[str, ...] = INBOX_ROLES

    def dispatch(self, request, *args: Any, **kwargs: Any):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not has_role(request.user, *self.required_roles):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
