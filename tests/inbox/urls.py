"""The project's URLs with the inbox mounted under /inbox/ (until curhat/urls.py includes it)."""

from __future__ import annotations

from django.urls import include, path

from curhat.urls import urlpatterns as project_urlpatterns


def _mounted(patterns) -> bool:
    return any(getattr(p, "app_name", None) == "inbox" for p in patterns)


urlpatterns = list(project_urlpatterns)
if not _mounted(urlpatterns):
    urlpatterns.insert(0, path("inbox/", include("tickets.inbox.urls")))
