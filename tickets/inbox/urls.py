"""The operators' inbox, mounted under /inbox/ (curhat/urls.py:
``path("inbox/", include("tickets.inbox.urls"))``)."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "inbox"
urlpatterns = [
    path("", views.inbox_list, name="list"),
    path("baru/", views.inbox_poll, name="poll"),
    path("massal/", views.inbox_bulk, name="bulk"),
    path("tiket/<int:ticket_id>/", views.ticket_detail, name="ticket"),
    path("tiket/<int:ticket_id>/kabar/", views.ticket_poll, name="ticket_poll"),
    path("tiket/<int:ticket_id>/mengetik/", views.ticket_typing, name="ticket_typing"),
    path("tiket/<int:ticket_id>/balas/", views.ticket_reply, name="reply"),
    path("tiket/<int:ticket_id>/catatan/", views.ticket_note, name="note"),
    path("tiket/<int:ticket_id>/petugas/", views.ticket_assign, name="assign"),
    path("tiket/<int:ticket_id>/topik/", views.ticket_categorize, name="categorize"),
    path("tiket/<int:ticket_id>/status/", views.ticket_status, name="status"),
    path("tiket/<int:ticket_id>/gabung/", views.ticket_merge, name="merge_ticket"),
    path("tiket/<int:ticket_id>/gabung-kontak/", views.contact_merge, name="merge_contact"),
    path("tiket/<int:ticket_id>/pesan/<int:message_id>/kirim-ulang/", views.message_retry, name="retry"),
    path("tiket/<int:ticket_id>/jawaban/", views.canned_search, name="canned"),
    path("lampiran/<int:attachment_id>/", views.attachment_download, name="attachment"),
]
