from __future__ import annotations

from django.urls import path, re_path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.tally_page, name="tally"),
    path("cetak/", views.print_page, name="print"),
    re_path(r"^rekap\.(?P<fmt>xlsx|csv)$", views.tally_export, name="tally_export"),
    path("layanan/", views.service_page, name="service"),
    path("eskalasi/", views.escalation_page, name="escalations"),
    path("tiket/", views.ticket_export, name="ticket_export"),
    path("impor/", views.historical_import, name="import"),
]
