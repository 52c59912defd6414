"""Include with ``path("panggilan/", include("tickets.calls.urls"))`` in curhat/urls.py."""

from __future__ import annotations

from django.urls import path

from . import views as call_views

app_name = "tickets_calls"
urlpatterns = [
    path("catat/", call_views.call_log_page, name="log"),
]
