"""Who may do what, in one place: every view, API permission and page of every app asks here.

A role is membership of a Django group ("operator", "official", "admin", seeded by
``tickets.reference_data``) held by an active user; a superuser counts as admin. Which departments
an official answers for is their Official record (``user.official``), read only for that: a record
without the role grants nothing, and the official pages, which act as that record, need both.

Operators (and admins, who supervise them) work in the inbox; officials answer escalations in their
own queue and must not see the inbox; admins see reports and configuration (DESIGN §5.7, least
privilege).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from tickets.models import Official
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


def users_with_role(*roles: str):
    """The rule of :func:`has_role` in SQL: active users in one of ``roles`` (and superusers, when
    admin is one of them)."""
    holds = Q(groups__name__in=roles)
    if ROLE_ADMIN in roles:
        holds |= Q(is_superuser=True)
    return get_user_model().objects.filter(is_active=True).filter(holds).distinct()


def acting_officials(officials: QuerySet[Official] | None = None) -> QuerySet[Official]:
    """The rule of :func:`is_acting_official` in SQL: Official records (of ``officials``, else all)
    whose user is active and holds the official role. Routing, the officials offered in forms and
    those notified of an escalation are these, as the official pages are theirs alone."""
    officials = Official.objects.all() if officials is None else officials
    return officials.filter(user__in=users_with_role(ROLE_OFFICIAL))


def official_profile(user):
    """The user's Official record (the departments they answer for) if they hold the official
    role, else None, whether or not a record exists. Read with the user (curhat.auth.StaffBackend)."""
    if not is_official(user):
        return None
    return getattr(user, "official", None)  # no record: Django's RelatedObjectDoesNotExist


def official_department_ids(user) -> list[int] | None:
    """The departments an official answers for, or None if the user is not an official."""
    profile = official_profile(user)
    if profile is None:
        return None
    return list(profile.departments.values_list("id", flat=True))


def may_use_admin_site(request) -> bool:
    """Django's admin (``AdminSite.has_permission``): an active staff user holding the admin role. A
    former admin who keeps ``is_staff`` (their group removed) is sent to the admin's sign-in page."""
    user = request.user
    return bool(user.is_active and user.is_staff and is_admin(user))


def has_any_role(user) -> bool:
    """Holds any staff role (operator, official, admin): the API's own pages (root, schema, docs)."""
    return bool(user_roles(user))


def is_acting_official(user) -> bool:
    """An official with their record: may use the official pages (queue, escalations, availability)."""
    return official_profile(user) is not None


def role_required(allowed: Callable[[Any], bool], message: Any = None) -> Callable:
    """View decorator: anonymous users go to the login page; signed-in users for whom
    ``allowed(user)`` is false get 403 (saying ``message``, if given)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request, *args: Any, **kwargs: Any):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not allowed(request.user):
                raise PermissionDenied() if message is None else PermissionDenied(message)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def staff_required(*roles: str, message: Any = None) -> Callable:
    """View decorator: anonymous users go to the login page; signed-in users without one of
    ``roles`` (default: the inbox roles) get 403."""
    allowed = roles or INBOX_ROLES
    return role_required(lambda user: has_role(user, *allowed), message)


# The official pages: the official role and an Official record.
official_required = role_required(is_acting_official, _("Halaman ini untuk pejabat."))


class StaffRequiredMixin:
    """Class-based-view form of :func:`staff_required`; set ``required_roles`` on the view."""

    required_roles: tuple[str, ...] = INBOX_ROLES

    def dispatch(self, request, *args: Any, **kwargs: Any):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not has_role(request.user, *self.required_roles):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
