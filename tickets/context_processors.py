from __future__ import annotations

from tickets.roles import can_use_inbox, is_acting_official, is_admin


def navigation(request):
    """What the top bar links to: the inbox for operators and admins, reports and settings for
    admins, the queue for officials."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_inbox": can_use_inbox(user),
        "nav_admin": is_admin(user),
        "nav_official": is_acting_official(user),
    }
