from django.conf import settings
from django.shortcuts import render


def home(request):
    """The public front page: how to reach the office, and the staff sign-in."""
    return render(request, "tickets/home.html", {"office_name": settings.CURHAT_OFFICE_NAME})
