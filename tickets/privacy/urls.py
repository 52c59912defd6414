from django.urls import path

from . import views as privacy_views

app_name = "tickets_privacy"
urlpatterns = [
    path("", privacy_views.subject_search, name="subject"),
    path("ekspor/", privacy_views.subject_export_view, name="export"),
    path("hapus/", privacy_views.subject_erase_view, name="erase"),
]
