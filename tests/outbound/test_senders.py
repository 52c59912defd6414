"""Each sender against the provider stand-in: the documented request shapes, the 24-hour rules
(text or template, Messenger tags), and how each provider's errors are classified."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest

from channels.models import Provider
from tests.factories import staff_user
from tests.standins import graph_error, twilio_error
from tickets.models import ContactIdentity, DeliveryAttempt, Message, Ticket
from tickets.relay import senders
from tickets.relay.delivery import message_deliver
from tickets.relay.outbox import message_reply_create

from .office import (
    CITIZEN_LANDLINE,
    CITIZEN_MOBILE,
    CONTENT_SID,
    META_PHONE_NUMBER_ID,
    META_TOKEN,
    OFFICE_EMAIL,
    OFFICE_PHONE,
    OFFICE_WHATSAPP,
    PAGE_ID,
    PAGE_TOKEN,
    TWILIO_SID,
    TWILIO_TOKEN,
)

pytestmark = pytest.mark.django_db

ANSWER = "Syarat KK baru: formulir F-1.01, buku nikah, dan surat pindah bila ada."


def reply(ticket: Ticket, body: str = ANSWER, **kwargs) -> Message:
    message = message_reply_create(ticket=ticket, author=staff_user(), body=body, **kwargs)
    message_deliver(message_id=message.pk)
    message.refresh_from_db()
    return message


def basic_auth(sid: str, token: str) -> str:
    return "Basic " + base64.b64encode(f"{sid}:{token}".encode()).decode()


# --- Twilio WhatsApp ------------------------------------------------------------------------------


def test_twilio_whatsapp_within_window_sends_free_text(live_providers, citizen, settings):
    ticket = citizen.ticket("twilio_whatsapp", ago=dt.timedelta(hours=2))
    message = reply(ticket)

    (request,) = live_providers.requests("twilio")
    assert request.path == f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"
    assert request.headers["authorization"] == basic_auth(TWILIO_SID, TWILIO_TOKEN)
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.form == {
        "From": [f"whatsapp:{OFFICE_WHATSAPP}"],
        "To": [f"whatsapp:{CITIZEN_MOBILE}"],
        "Body": [ANSWER],
        # Twilio reports delivered/read to the account's own webhook (signed over this URL).
        "StatusCallback": [f"{settings.PUBLIC_BASE_URL}/webhooks/twilio_whatsapp/wa-twilio/"],
    }
    assert request.headers["i-twilio-idempotency-token"] == str(message.idempotency_key)
    assert message.status == Message.Status.SENT
    assert message.provider == "twilio_whatsapp"
    assert message.provider_message_id == request.provider_id
    assert message.kind == Message.Kind.TEXT
    attempt = message.delivery_attempts.get()
    assert (attempt.outcome, attempt.variant, attempt.http_status) == ("sent", "text", 201)
    ticket.refresh_from_db()
    assert ticket.first_response_at == message.sent_at
    assert ticket.status == Ticket.Status.ANSWERED


def test_twilio_whatsapp_media_goes_by_url(live_providers, citizen):
    ticket = citizen.ticket("twilio_whatsapp")
    urls = ["https://curhat.example/lampiran/formulir-f101.pdf", "https://curhat.example/lampiran/alur.png"]
    reply(ticket, body="Formulirnya terlampir.", media_urls=urls)
    (request,) = live_providers.requests("twilio")
    assert request.form["MediaUrl"] == urls


def test_twilio_whatsapp_outside_window_sends_the_approved_template(live_providers, citizen):
    ticket = citizen.ticket("twilio_whatsapp", ago=dt.timedelta(hours=25))
    assert not senders.can_send_freeform(ticket)
    message = reply(ticket, body="Berkas Bapak sudah selesai.\nSilakan diambil besok.")

    (request,) = live_providers.requests("twilio")
    assert "Body" not in request.form
    assert request.value("ContentSid") == CONTENT_SID
    assert json.loads(request.value("ContentVariables")) == {
        "1": ticket.reference,
        "2": "Berkas Bapak sudah selesai. Silakan diambil besok.",  # no newlines in variables
    }
    assert message.status == Message.Status.SENT
    assert message.kind == Message.Kind.TEMPLATE  # the timeline shows a template went out
    assert message.meta["template"]["content_sid"] == CONTENT_SID
    assert message.delivery_attempts.get().variant == f"template:{CONTENT_SID}"


def test_twilio_whatsapp_outside_window_without_template_fails_with_reason(live_providers, citizen, accounts):
    accounts["twilio_whatsapp"].config = {}
    accounts["twilio_whatsapp"].save()
    ticket = citizen.ticket("twilio_whatsapp", ago=dt.timedelta(days=2))
    message = reply(ticket)
    assert live_providers.requests() == []
    assert message.status == Message.Status.FAILED
    assert message.error_code == "window_closed"
    assert "24 jam" in message.error_text


def test_twilio_63016_on_free_text_falls_back_to_the_template(live_providers, citizen):
    ticket = citizen.ticket("twilio_whatsapp", ago=dt.timedelta(hours=23, minutes=59))
    live_providers.fail(400, api="twilio", body=twilio_error(63016, 400))
    message = reply(ticket)
    first, second = live_providers.requests("twilio")
    assert first.value("Body") == ANSWER and first.status == 400
    assert second.value("ContentSid") == CONTENT_SID and second.accepted
    assert message.status == Message.Status.SENT
    assert message.kind == Message.Kind.TEMPLATE


@pytest.mark.parametrize(
    ("status", "code", "permanent"),
    [
        (400, 21211, True),
        (400, 21610, True),
        (401, 20003, True),
        (429, 20429, False),
        (500, 20500, False),
        (503, 20503, False),
    ],
)
def test_twilio_errors_are_classified(live_providers, citizen, status, code, permanent):
    ticket = citizen.ticket("twilio_whatsapp")
    live_providers.fail(status, api="twilio", body=twilio_error(code, status, f"kode {code}"))
    message = reply(ticket)
    attempt = message.delivery_attempts.get()
    assert attempt.error_code == str(code)
    assert attempt.http_status == status
    assert attempt.error_text == f"kode {code}"
    if permanent:
        assert (message.status, attempt.outcome) == (Message.Status.FAILED, "permanent")
        assert message.error_code == str(code)
    else:
        assert (message.status, attempt.outcome) == (Message.Status.QUEUED, "transient")


# --- Meta WhatsApp Cloud API ----------------------------------------------------------------------


def test_meta_whatsapp_within_window_sends_text(live_providers, citizen, settings):
    ticket = citizen.ticket("meta_whatsapp")
    message = reply(ticket)
    (request,) = live_providers.requests("whatsapp")
    assert request.path == f"/{settings.CURHAT_GRAPH_API_VERSION}/{META_PHONE_NUMBER_ID}/messages"
    assert request.headers["authorization"] == f"Bearer {META_TOKEN}"
    assert request.headers["content-type"] == "application/json"
    assert request.json == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": CITIZEN_MOBILE.lstrip("+"),
        "type": "text",
        "text": {"preview_url": False, "body": ANSWER},
    }
    assert message.status == Message.Status.SENT
    assert message.provider_message_id == request.provider_id
    assert message.provider_message_id.startswith("wamid.")


def test_meta_whatsapp_outside_window_sends_template(live_providers, citizen):
    ticket = citizen.ticket("meta_whatsapp", ago=dt.timedelta(hours=30))
    message = reply(ticket)
    (request,) = live_providers.requests("whatsapp")
    assert request.json["type"] == "template"
    assert request.json["template"] == {
        "name": "balasan_konsultasi",
        "language": {"code": "id"},
        "components": [
            {
                "type": "body",
                "parameters": [{"type": "text", "text": ticket.reference}, {"type": "text", "text": ANSWER}],
            }
        ],
    }
    assert message.kind == Message.Kind.TEMPLATE
    assert message.meta["template"] == {"name": "balasan_konsultasi", "variables": [ticket.reference, ANSWER]}


def test_meta_131047_re_engagement_falls_back_to_template(live_providers, citizen):
    ticket = citizen.ticket("meta_whatsapp")
    live_providers.fail(
        400,
        api="whatsapp",
        body=graph_error(
            131047,
            400,
            "(#131047) Re-engagement message",
            2494010,
            "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
        ),
    )
    message = reply(ticket)
    first, second = live_providers.requests("whatsapp")
    assert (first.json["type"], second.json["type"]) == ("text", "template")
    assert message.status == Message.Status.SENT and message.kind == Message.Kind.TEMPLATE


def test_meta_131026_undeliverable_fails_with_code_and_details(live_providers, citizen):
    ticket = citizen.ticket("meta_whatsapp")
    live_providers.fail(
        400,
        api="whatsapp",
        body=graph_error(
            131026,
            400,
            "(#131026) Message Undeliverable",
            details="Receiver is incapable of receiving this message",
        ),
    )
    message = reply(ticket)
    assert message.status == Message.Status.FAILED
    assert message.error_code == "131026"
    assert "Message Undeliverable" in message.error_text and "incapable" in message.error_text
    assert len(live_providers.requests()) == 1  # no retry


@pytest.mark.parametrize(("status", "code"), [(400, 130429), (400, 131056), (500, 2), (429, 4)])
def test_meta_rate_limits_and_outages_are_transient(live_providers, citizen, status, code):
    ticket = citizen.ticket("meta_whatsapp")
    live_providers.fail(status, api="whatsapp", body=graph_error(code, status))
    message = reply(ticket)
    assert message.status == Message.Status.QUEUED
    assert message.delivery_attempts.get().outcome == "transient"


# --- Messenger ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ago", "fields", "variant"),
    [
        (dt.timedelta(hours=3), {"messaging_type": "RESPONSE"}, "text"),
        (dt.timedelta(days=3), {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}, "tag:HUMAN_AGENT"),
    ],
)
def test_messenger_windows(live_providers, citizen, settings, ago, fields, variant):
    ticket = citizen.ticket("messenger", ago=ago)
    assert senders.can_send_freeform(ticket)
    message = reply(ticket)
    (request,) = live_providers.requests("messenger")
    assert request.path == f"/{settings.CURHAT_GRAPH_API_VERSION}/{PAGE_ID}/messages"
    assert request.headers["authorization"] == f"Bearer {PAGE_TOKEN}"
    assert request.json == {"recipient": {"id": "24536475869701234"}, **fields, "message": {"text": ANSWER}}
    assert message.status == Message.Status.SENT
    assert message.provider_message_id == request.provider_id
    assert message.delivery_attempts.get().variant == variant


def test_messenger_beyond_seven_days_tells_the_operator_to_use_another_channel(live_providers, citizen):
    ticket = citizen.ticket("messenger", ago=dt.timedelta(days=8))
    assert not senders.can_send_freeform(ticket)
    message = reply(ticket)
    assert live_providers.requests() == []
    assert message.status == Message.Status.FAILED
    assert message.error_code == "messenger_window_closed"
    assert "kanal lain" in message.error_text


# --- e-mail ---------------------------------------------------------------------------------------


def test_email_reply_threads_back(live_providers, smtp_sink, citizen):
    ticket = citizen.ticket(
        "email_imap", subject="Tanya akta kelahiran", provider_message_id="<q1@example.com>"
    )
    message = reply(ticket)
    (mail,) = smtp_sink.wait_for(1)
    parsed = mail.message
    assert mail.rcpt_tos == ["warga@example.com"]
    assert parsed["Subject"] == f"Re: Tanya akta kelahiran [{ticket.reference}]"
    assert parsed["Message-ID"] == message.provider_message_id
    assert parsed["Message-ID"].startswith(f"<{message.idempotency_key}@")
    assert parsed["In-Reply-To"] == "<q1@example.com>"
    assert parsed["References"] == "<q1@example.com>"
    assert OFFICE_EMAIL in parsed["From"]
    assert parsed.get_content().strip() == ANSWER
    assert message.status == Message.Status.SENT
    # A second reply references the whole thread, our first reply included.
    second = reply(ticket, body="Tambahan: bawa juga KTP-el orang tua.")
    parsed = smtp_sink.wait_for(2)[1].message
    assert parsed["References"].split() == ["<q1@example.com>", message.provider_message_id]
    assert second.status == Message.Status.SENT


def test_email_permanent_and_transient_smtp_refusals(live_providers, smtp_sink, citizen):
    ticket = citizen.ticket("email_imap")
    smtp_sink.refuse("warga@example.com", "550 5.1.1 mailbox unavailable")
    message = reply(ticket)
    assert (message.status, message.error_code) == (Message.Status.FAILED, "smtp_550")
    assert "mailbox unavailable" in message.error_text

    smtp_sink.refuse("warga@example.com", "451 4.3.0 try again later")
    again = reply(ticket, body="Coba lagi.")
    assert (again.status, again.error_code) == (Message.Status.QUEUED, "smtp_451")
    assert smtp_sink.mails == []


# --- phone tickets --------------------------------------------------------------------------------


def test_phone_ticket_from_a_mobile_gets_an_sms(live_providers, citizen):
    ticket = citizen.ticket("twilio_voice")
    message = reply(ticket)
    (request,) = live_providers.requests("twilio")
    assert request.form == {"From": [OFFICE_PHONE], "To": [CITIZEN_MOBILE], "Body": [ANSWER]}
    assert message.status == Message.Status.SENT
    assert message.delivery_attempts.get().variant == "sms"


def test_phone_ticket_from_a_landline_becomes_a_call_back_note(live_providers, citizen):
    ticket = citizen.ticket("twilio_voice", sender=CITIZEN_LANDLINE)
    assert not senders.can_send_freeform(ticket)
    message = reply(ticket)
    assert live_providers.requests() == []
    assert (message.status, message.error_code) == (Message.Status.FAILED, "callback_required")
    note = ticket.messages.get(direction=Message.Direction.NOTE)
    assert CITIZEN_LANDLINE in note.body and ANSWER in note.body
    assert note.meta["callback"] == {"message_id": message.pk, "number": CITIZEN_LANDLINE}


# --- website tickets ------------------------------------------------------------------------------


def test_website_reply_is_relayed_by_email(live_providers, smtp_sink, citizen):
    ticket = citizen.ticket("website", subject="Formulir: pindah datang")
    message = reply(ticket)
    (mail,) = smtp_sink.wait_for(1)
    assert mail.rcpt_tos == ["warga@example.com"]
    assert f"[{ticket.reference}]" in mail.message["Subject"]
    assert message.status == Message.Status.SENT  # public out message: on the tracking page too
    assert message.provider == "email_imap"  # the relay's id, so its status callbacks find it
    assert message.provider_message_id == mail.message["Message-ID"]
    assert message.meta["relay"] == {"channel": "email", "provider": "email_imap"}


def test_website_reply_to_a_phone_number_goes_by_whatsapp_template(live_providers, citizen, accounts):
    accounts["meta_whatsapp"].is_active = False
    accounts["meta_whatsapp"].save()
    ticket = citizen.ticket("website", sender_kind="phone", sender="081234567890")
    message = reply(ticket)
    (request,) = live_providers.requests("twilio")
    # The citizen never wrote on WhatsApp: no open window, so the approved template goes.
    assert request.value("To") == f"whatsapp:{CITIZEN_MOBILE}"
    assert request.value("ContentSid") == CONTENT_SID
    assert message.provider == "twilio_whatsapp" and message.kind == Message.Kind.TEMPLATE


def test_website_reply_without_contact_details_is_only_on_the_tracking_page(live_providers, citizen):
    ticket = citizen.ticket("website")
    ContactIdentity.objects.filter(contact=ticket.contact).delete()
    message = reply(ticket)
    assert live_providers.requests() == []
    assert message.status == Message.Status.SENT
    assert message.delivery_attempts.get().variant == "tracking_page"


# --- sandbox and notes ----------------------------------------------------------------------------


def test_sandbox_records_but_sends_nothing(live_providers, settings, citizen):
    settings.CURHAT_SANDBOX = True
    message = reply(citizen.ticket("twilio_whatsapp"))
    assert live_providers.requests() == []
    assert message.status == Message.Status.SENT
    assert message.delivery_attempts.get().outcome == DeliveryAttempt.Outcome.SANDBOX


def test_registry_covers_every_provider_with_an_outbound_module():
    # Filled by the channels app from CURHAT_CHANNEL_PROVIDERS: every provider but operators' notes.
    assert set(senders.registered_providers()) == set(Provider.values) - {Provider.OPERATOR}
    for provider in senders.registered_providers():
        sender = senders.sender_for(provider)
        assert callable(sender.send) and callable(sender.can_send_freeform)
    # A channel's providers in the order of the setting: the first one with an account answers.
    assert senders.channel_providers("whatsapp") == ("twilio_whatsapp", "meta_whatsapp")
    assert senders.channel_providers("email") == ("email_imap", "email_anymail")
    assert senders.channel_providers("phone") == ("twilio_voice",)
