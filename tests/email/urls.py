"""The root URLconf plus the e-mail webhooks, for as long as the lead has not mounted them."""

from __future__ import annotations

from django.urls import include, path

import channels.providers.email.urls as email_urls
from curhat.urls import urlpatterns as root_patterns

_mounted = any(getattr(pattern, "urlconf_name", None) is email_urls for pattern in root_patterns)
urlpatterns = list(root_patterns)
if not _mounted:
    urlpatterns.insert(0, path("webhooks/anymail/", include("channels.providers.email.urls")))
