"""The root URLconf plus the public pages and the requirement pages, for as long as the lead has
not mounted them (``path("persyaratan/", include("tickets.knowledge.urls"))``)."""

from __future__ import annotations

from django.urls import include, path

import tickets.inbox.urls as inbox_urls
import tickets.knowledge.urls as knowledge_urls
import tickets.public.urls as public_urls
from curhat.urls import urlpatterns as root_patterns


def _mounted(module) -> bool:
    return any(getattr(pattern, "urlconf_name", None) is module for pattern in root_patterns)


urlpatterns = list(root_patterns)
if not _mounted(knowledge_urls):
    urlpatterns.insert(0, path("persyaratan/", include("tickets.knowledge.urls")))
if not _mounted(inbox_urls):
    urlpatterns.insert(0, path("inbox/", include("tickets.inbox.urls")))
if not _mounted(public_urls):
    urlpatterns.insert(0, path("", include("tickets.public.urls")))
