"""The site's URLconf plus one view that refuses (tests/deploy/test_observability.py)."""

from django.core.exceptions import PermissionDenied
from django.urls import include, path


def refuse(request):
    raise PermissionDenied("bukan untuk Anda")


urlpatterns = [path("terlarang/", refuse), path("", include("curhat.urls"))]
