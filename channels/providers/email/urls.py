"""ESP inbound webhooks, mounted by the root URLconf under ``/webhooks/anymail/`` (anymail's own
paths, so the URLs in ESP dashboards follow anymail's documentation)."""

from __future__ import annotations

from django.urls import path, re_path

from .anymail_inbound import (
    AmazonSESInboundView,
    MailgunInboundView,
    PostmarkInboundView,
    SendGridInboundView,
)

app_name = "email_inbound"
urlpatterns = [
    # Mailgun posts raw MIME ("body-mime") when the URL contains "mime", parsed fields otherwise.
    re_path(r"^mailgun/inbound(_mime)?/$", MailgunInboundView.as_view(), name="mailgun"),
    path("sendgrid/inbound/", SendGridInboundView.as_view(), name="sendgrid"),
    path("postmark/inbound/", PostmarkInboundView.as_view(), name="postmark"),
    path("amazon_ses/inbound/", AmazonSESInboundView.as_view(), name="amazon_ses"),
]
