from __future__ import annotations

from django.urls import path

from .webhooks import ProviderWebhookView

app_name = "channels"
urlpatterns = [
    # /webhooks/<provider>/<account slug>/ : the slug identifies the ChannelAccount.
    path("<slug:provider>/<slug:account_slug>/", ProviderWebhookView.as_view(), name="webhook"),
]
