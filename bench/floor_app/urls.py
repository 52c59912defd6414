from django.urls import include, path

from .views import floor

urlpatterns = [
    path("floor/", floor),
    path("", include("curhat.urls")),
]
