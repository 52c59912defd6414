"""Include with ``path("panggilan/", include("tickets.call_urls"))`` in curhat/urls.py."""

from __future__ import annotations

from django.urls import path

from . import call_views

app_name = "tickets_calls"
urlpatterns = [
    path("catat/", call_views.call_log_page, name="log"),
]
