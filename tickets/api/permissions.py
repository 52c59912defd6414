"""The API's role rules: the same as the UI's (tickets.roles)."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from tickets.roles import can_use_inbox, is_admin, is_official


class IsInboxUser(BasePermission):
    """Operators and admins work tickets, messages, contacts and canned answers."""

    message = "Hanya operator dan admin yang dapat mengakses tiket."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and can_use_inbox(request.user))


class IsInboxUserOrOfficial(BasePermission):
    message = "Hanya operator, pejabat dan admin yang dapat mengakses eskalasi."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and (can_use_inbox(user) or is_official(user)))


class IsReportAdmin(BasePermission):
    message = "Laporan hanya untuk admin."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and is_admin(request.user))
