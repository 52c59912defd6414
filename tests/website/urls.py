"""The root URLconf plus the public pages, for as long as the lead has not mounted them."""

from __future__ import annotations

from django.urls import include, path

import tickets.public.urls as public_urls
from curhat.urls import urlpatterns as root_patterns

_mounted = any(getattr(pattern, "urlconf_name", None) is public_urls for pattern in root_patterns)
urlpatterns = list(root_patterns)
if not _mounted:
    urlpatterns.insert(0, path("", include("tickets.public.urls")))
