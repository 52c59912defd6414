from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse

from tickets.roles import can_use_inbox, is_official


def home(request):
    """The public front page: how to reach the office, and the staff sign-in. Signed-in operators go
    straight to their inbox, officials to their queue."""
    if is_official(request.user) and not can_use_inbox(request.user):
        return redirect(reverse("officials:queue"))
    if can_use_inbox(request.user):
        try:
            return redirect(reverse("inbox:list"))
        except NoReverseMatch:  # the inbox is not mounted in this URL configuration
            pass
    return render(request, "tickets/home.html", {"office_name": settings.CURHAT_OFFICE_NAME})
