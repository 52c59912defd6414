from __future__ import annotations

from tickets.roles import official_profile


def escalation_badge(request):
    """The in-app badge: open escalations waiting for the signed-in official's departments."""
    if official_profile(getattr(request, "user", None)) is None:
        return {}
    from .selectors import escalation_open_count

    return {"escalation_badge": escalation_open_count(user=request.user)}
