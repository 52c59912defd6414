from __future__ import annotations

from django.urls import path

from .datadeletion import data_deletion_callback, data_deletion_status
from .webhooks import ProviderWebhookView

app_name = "channels"
urlpatterns = [
    # Meta's data-deletion request callback and its status page (before the webhook pattern, which
    # would take "meta/hapus-data/" for a provider and an account).
    path("meta/hapus-data/", data_deletion_callback, name="data_deletion"),
    path("meta/hapus-data/<slug:code>/", data_deletion_status, name="data_deletion_status"),
    # /webhooks/<provider>/<account slug>/ : the slug identifies the ChannelAccount.
    path("<slug:provider>/<slug:account_slug>/", ProviderWebhookView.as_view(), name="webhook"),
]
