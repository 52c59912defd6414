"""Public pages (no account). Mounted by the root URLconf at the site root."""

from __future__ import annotations

from django.urls import path, re_path

from . import views as public_views

app_name = "public"
urlpatterns = [
    path("", public_views.home, name="home"),
    path("tanya/", public_views.ask, name="ask"),
    path("tanya/terkirim/", public_views.ask_done, name="ask_done"),
    path("lacak/", public_views.track_lookup, name="track_lookup"),
    # Tokens are secrets.token_urlsafe(24): 32 URL-safe characters; anything else is a plain 404.
    re_path(r"^lacak/(?P<token>[A-Za-z0-9_-]{20,64})/$", public_views.track, name="track"),
    path("privasi/", public_views.privacy, name="privacy"),
]
