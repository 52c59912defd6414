"""ESP inbound webhooks in each provider's documented format, through anymail, into tickets."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from channels.models import ChannelAccount, InboundEvent, Provider
from channels.providers.email.anymail_inbound import (
    AmazonSESInboundView,
    MailgunInboundView,
    PostmarkInboundView,
    SendGridInboundView,
)
from channels.providers.email.esp_requests import ESP_WEBHOOK_VIEWS
from channels.providers.email.inbound import email_event_process, parse
from tickets.models import Attachment, Message, Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.email.urls")]

# Only what citizens sent: other features (auto-acknowledgement) may add outbound messages.
INBOUND = Message.objects.filter(direction="in")

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "anymail"
BASIC = "kantor:rahasia-webhook"
MAILGUN_KEY = "key-uji-mailgun-0123456789"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def auth(credentials: str = BASIC) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(credentials.encode()).decode()}


@pytest.fixture(autouse=True)
def anymail_settings(settings):
    settings.ANYMAIL = {
        **settings.ANYMAIL,
        "WEBHOOK_SECRET": [BASIC, "kantor:rahasia-lama"],
        "MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_KEY,
    }


@pytest.fixture
def account():
    return ChannelAccount.objects.create(
        slug="email-esp",
        name="Email (ESP)",
        channel="email",
        provider=Provider.EMAIL_ANYMAIL,
        address="curhat@kantor.test",
    )


def post_mailgun(client, fields: dict, /, **extra):
    return client.post("/webhooks/anymail/mailgun/inbound_mime/", fields, **extra)


def post_sendgrid(client, fields: dict, /, **extra):
    return client.post("/webhooks/anymail/sendgrid/inbound/", fields, **extra)  # multipart/form-data


def post_postmark(client, payload: dict, /, **extra):
    return client.post(
        "/webhooks/anymail/postmark/inbound/", json.dumps(payload), content_type="application/json", **extra
    )


def post_ses(client, payload: dict, /, **extra):
    return client.post(
        "/webhooks/anymail/amazon_ses/inbound/",
        json.dumps(payload),
        content_type="text/plain; charset=UTF-8",  # what SNS sends
        HTTP_X_AMZ_SNS_MESSAGE_TYPE=payload["Type"],
        HTTP_X_AMZ_SNS_MESSAGE_ID=payload["MessageId"],
        HTTP_X_AMZ_SNS_TOPIC_ARN=payload["TopicArn"],
        **extra,
    )


PROVIDERS = {
    "mailgun": (post_mailgun, "mailgun_inbound_mime.json", auth()),
    "sendgrid": (post_sendgrid, "sendgrid_inbound_raw.json", auth()),
    "postmark": (post_postmark, "postmark_inbound.json", auth()),
    "amazon_ses": (post_ses, "amazon_ses_inbound_sns.json", auth()),
}


# The idempotency key of each ESP's mail: the ESP's own id for it (anymail's event_id: Mailgun's
# token, Postmark's MessageID, SES's mail.messageId); SendGrid's inbound parse has none, so the RFC
# Message-ID stays the key there (as for IMAP).
ESP_KEYS = {
    "mailgun": "mailgun:5f0a1c2e3d4b5a69788796a5b4c3d2e1f0a9b8c7d6e5f4a3b2",
    "sendgrid": "<sendgrid-0001@mail.example.com>",
    "postmark": "postmark:73e6d360-66eb-11e1-8e72-a8904824019b",
    "amazon_ses": "amazon_ses:jpbf7ch0mvdpb8hq6v8e0c1ipgqdn1b4mbd9g6o1",
}


@pytest.mark.parametrize("esp", PROVIDERS)
def test_each_provider_opens_one_ticket_and_a_redelivery_changes_nothing(client, account, esp):
    post, name, extra = PROVIDERS[esp]
    response = post(client, fixture(name), **extra)
    assert response.status_code == 200, response.content
    event = InboundEvent.objects.get()
    assert event.provider == "email_anymail" and event.outcome == "processed", event.reason
    assert event.headers["esp"] == esp and "HTTP_AUTHORIZATION" not in json.dumps(event.headers)
    message = INBOUND.get()
    assert message.channel == "email" and message.provider == "email_anymail"
    assert message.provider_message_id == ESP_KEYS[esp]
    assert message.meta["email"]["message_id"] == f"<{esp}-0001@mail.example.com>"
    assert esp in message.body and "akta kematian" in message.body
    ticket = message.ticket
    assert ticket.subject == "Akta kematian ayah" and ticket.account == account
    assert ticket.contact.identities.get().value == "lestari@example.com"
    assert ticket.contact.name == "Lestari"

    again = post(client, fixture(name), **extra)
    assert again.status_code == 200
    assert INBOUND.count() == 1 and Ticket.objects.count() == 1
    assert InboundEvent.objects.order_by("-pk").first().outcome == "duplicate"


def test_postmark_attachment_is_stored_content_checked(client, account):
    post_postmark(client, fixture("postmark_inbound.json"), **auth())
    attachment = Attachment.objects.get()
    assert attachment.original_name == "ktp.png" and attachment.content_type == "image/png"
    assert attachment.download_status == "stored"


def test_a_rotated_secret_is_still_accepted(client, account):
    response = post_postmark(client, fixture("postmark_inbound.json"), **auth("kantor:rahasia-lama"))
    assert response.status_code == 200 and INBOUND.count() == 1


@pytest.mark.parametrize("esp", PROVIDERS)
@pytest.mark.parametrize("credentials", ["kantor:salah", "orang:lain", None])
def test_bad_or_missing_basic_auth_is_refused_and_stores_nothing(client, account, esp, credentials):
    post, name, _extra = PROVIDERS[esp]
    response = post(client, fixture(name), **(auth(credentials) if credentials else {}))
    if credentials is None and esp == "amazon_ses":
        # SNS sends credentials only after a 401 challenge.
        assert response.status_code == 401 and "Basic" in response["WWW-Authenticate"]
    else:
        assert response.status_code == 400  # anymail answers 400 for failed webhook auth
        assert b"basic auth" in response.content
    assert not InboundEvent.objects.exists() and not INBOUND.exists()


def test_mailgun_bad_signature_is_refused(client, account):
    fields = fixture("mailgun_inbound_mime.json")
    fields["signature"] = "0" * 64
    response = post_mailgun(client, fields, **auth())
    assert response.status_code == 400
    assert not InboundEvent.objects.exists() and not INBOUND.exists()


@pytest.mark.filterwarnings("ignore::anymail.exceptions.AnymailInsecureWebhookWarning")
def test_without_a_configured_secret_webhooks_are_closed(client, account, settings):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": ""}
    response = post_postmark(client, fixture("postmark_inbound.json"))
    assert response.status_code == 403
    assert not InboundEvent.objects.exists()


@pytest.mark.filterwarnings("ignore::anymail.exceptions.AnymailInsecureWebhookWarning")
def test_mailgun_without_any_key_is_closed(client, account, settings):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": "", "MAILGUN_WEBHOOK_SIGNING_KEY": ""}
    fields = fixture("mailgun_inbound_mime.json")
    import hashlib
    import hmac

    fields["signature"] = hmac.new(
        b"", (fields["timestamp"] + fields["token"]).encode(), hashlib.sha256
    ).hexdigest()
    response = post_mailgun(client, fields)
    assert response.status_code == 403 and b"MAILGUN_WEBHOOK_SIGNING_KEY" in response.content
    assert not InboundEvent.objects.exists()


def test_malformed_body_is_400_with_reason_and_kept(client, account):
    response = post_postmark(client, {"RecordType": "Bounce", "ID": 1}, **auth())
    assert response.status_code == 400 and b"Bounce" in response.content
    event = InboundEvent.objects.get()
    assert event.outcome == "rejected" and "Bounce" in event.reason
    not_json = client.post(
        "/webhooks/anymail/amazon_ses/inbound/", "{nope", content_type="text/plain", **auth()
    )
    assert not_json.status_code == 400


def test_sendgrid_without_mail_fields_is_400(client, account):
    response = post_sendgrid(client, {"to": "curhat@kantor.test"}, **auth())
    assert response.status_code == 400
    assert InboundEvent.objects.get().outcome == "rejected"


def test_loop_mail_through_an_esp_is_ignored(client, account):
    payload = fixture("postmark_inbound.json")
    payload["Headers"].append({"Name": "Auto-Submitted", "Value": "auto-replied"})
    assert post_postmark(client, payload, **auth()).status_code == 200
    event = InboundEvent.objects.get()
    assert event.outcome == "ignored" and "Auto-Submitted" in event.reason
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("esp", PROVIDERS)
def test_stored_request_replays_to_the_same_message(client, account, esp):
    post, name, extra = PROVIDERS[esp]
    post(client, fixture(name), **extra)
    event = InboundEvent.objects.get()
    (message,) = parse(event)
    assert message.provider_message_id == ESP_KEYS[esp]
    # A replay after (say) a fixed bug changes nothing already stored.
    assert email_event_process(event=event) == "duplicate"
    assert INBOUND.count() == 1


def test_every_webhook_view_is_in_the_replay_table():
    """A replay parses a stored request with anymail's view for its ESP: every view we serve stores
    a key found in that table, for the anymail view it extends."""
    views = (MailgunInboundView, SendGridInboundView, PostmarkInboundView, AmazonSESInboundView)
    assert {view.esp_key for view in views} == set(ESP_WEBHOOK_VIEWS)
    for view in views:
        assert issubclass(view, ESP_WEBHOOK_VIEWS[view.esp_key])


def test_two_postmark_mails_sharing_a_message_id_are_two_messages(client, account):
    """Postmark's MessageID names the delivery: a different mail that reuses an RFC Message-ID (a
    client that does not make them unique, a forward) is a second message, not a duplicate."""
    first = fixture("postmark_inbound.json")
    second = {
        **first,
        "MessageID": "a8c1040e-9f4b-4c6e-9b7d-2f1e0d3c4b5a",
        "TextBody": "Maaf, satu lagi: apakah surat kematian dari RS cukup?",
        "HtmlBody": "",
    }
    assert post_postmark(client, first, **auth()).status_code == 200
    assert post_postmark(client, second, **auth()).status_code == 200
    assert INBOUND.count() == 2
    assert {m.meta["email"]["message_id"] for m in INBOUND} == {"<postmark-0001@mail.example.com>"}
    assert "surat kematian dari RS" in INBOUND.order_by("id").last().body
    # Postmark retrying the second one changes nothing.
    assert post_postmark(client, second, **auth()).status_code == 200
    assert INBOUND.count() == 2


def test_a_reply_to_a_mail_taken_in_by_an_esp_names_its_message_id(client, account):
    from channels.providers.email.outbound import thread_ids

    post_postmark(client, fixture("postmark_inbound.json"), **auth())
    assert thread_ids(INBOUND.get().ticket) == ["<postmark-0001@mail.example.com>"]
