"""The operators' inbox, mounted under /inbox/ (curhat/urls.py:
``path("inbox/", include("tickets.inbox.urls"))``)."""

from __future__ import annotations

from django.urls import path

from .views import attachments, canned, listing, ticket, ticket_actions

app_name = "inbox"
urlpatterns = [
    path("", listing.inbox_list, name="list"),
    path("baru/", listing.inbox_poll, name="poll"),
    path("panel/", listing.inbox_pane, name="pane"),
    path("massal/", listing.inbox_bulk, name="bulk"),
    path("tiket/<int:ticket_id>/", ticket.ticket_detail, name="ticket"),
    path("tiket/<int:ticket_id>/kabar/", ticket.ticket_poll, name="ticket_poll"),
    path("tiket/<int:ticket_id>/mengetik/", ticket.ticket_typing, name="ticket_typing"),
    path("tiket/<int:ticket_id>/balas/", ticket_actions.ticket_reply, name="reply"),
    path("tiket/<int:ticket_id>/catatan/", ticket_actions.ticket_note, name="note"),
    path("tiket/<int:ticket_id>/petugas/", ticket_actions.ticket_assign, name="assign"),
    path("tiket/<int:ticket_id>/topik/", ticket_actions.ticket_categorize, name="categorize"),
    path("tiket/<int:ticket_id>/status/", ticket_actions.ticket_status, name="status"),
    path("tiket/<int:ticket_id>/gabung/", ticket_actions.ticket_merge, name="merge_ticket"),
    path("tiket/<int:ticket_id>/gabung-kontak/", ticket_actions.contact_merge, name="merge_contact"),
    path(
        "tiket/<int:ticket_id>/pesan/<int:message_id>/kirim-ulang/",
        ticket_actions.message_retry,
        name="retry",
    ),
    path("tiket/<int:ticket_id>/jawaban/", canned.canned_search, name="canned"),
    path("lampiran/<int:attachment_id>/", attachments.attachment_download, name="attachment"),
]
