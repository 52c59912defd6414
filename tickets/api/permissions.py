"""The API's role rules: the UI's (tickets.roles), which also refuse anonymous and inactive users."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from tickets.roles import can_use_inbox, has_any_role, is_admin, is_official


class IsInboxUser(BasePermission):
    """Operators and admins work tickets, messages, contacts and canned answers."""

    message = "Hanya operator dan admin yang dapat mengakses tiket."

    def has_permission(self, request, view) -> bool:
        return can_use_inbox(request.user)


class IsInboxUserOrOfficial(BasePermission):
    """Officials too, for escalations (theirs: officials.selectors.official_departments)."""

    message = "Hanya operator, pejabat dan admin yang dapat mengakses eskalasi."

    def has_permission(self, request, view) -> bool:
        return can_use_inbox(request.user) or is_official(request.user)


class IsReportAdmin(BasePermission):
    message = "Laporan hanya untuk admin."

    def has_permission(self, request, view) -> bool:
        return is_admin(request.user)


class HasStaffRole(BasePermission):
    """The default of every API view (the root, the schema, the docs): some staff role, held by an
    active user. A user whose role was removed keeps a session or a token, not the API."""

    message = "Hanya petugas (operator, pejabat, admin) yang dapat mengakses API."

    def has_permission(self, request, view) -> bool:
        return has_any_role(request.user)
