from __future__ import annotations


def escalation_badge(request):
    """The in-app badge: open escalations waiting for the signed-in official's departments."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not hasattr(user, "official"):
        return {}
    from .selectors import escalation_open_count

    return {"escalation_badge": escalation_open_count(user=user)}
