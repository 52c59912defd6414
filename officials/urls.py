from django.urls import path

from . import views

app_name = "officials"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("ketersediaan/", views.availability, name="availability"),
    path("eskalasi/<int:pk>/", views.detail, name="detail"),
    path("eskalasi/<int:pk>/lampiran/<int:attachment_id>/", views.attachment, name="attachment"),
    path("eskalasi/<int:pk>/setujui/", views.approve, name="approve"),
    path("eskalasi/<int:pk>/alihkan/", views.reassign, name="reassign"),
    path("eskalasi/<int:pk>/batalkan/", views.cancel, name="cancel"),
    path("tiket/<int:ticket_id>/", views.ticket_escalations, name="ticket_escalations"),
    path("tiket/<int:ticket_id>/teruskan/", views.escalate, name="escalate"),
]
