"""Twilio WhatsApp webhooks (form-encoded), on fixtures in the shapes of Twilio's messaging docs."""

from __future__ import annotations

from channels.models import InboundEvent
from channels.providers.twilio_whatsapp import inbound as twilio_inbound
from tickets.inbound import DeliveryStatus
from tickets.models import Attachment, ContactIdentity, Message, Ticket

from .webhook_base import TwilioSigned


def _outbound(pid: str = "SMOUT000000000000000000000000000001", status: str = "queued") -> Message:
    ticket = Ticket.objects.first()
    assert ticket is not None
    return Message.objects.create(
        ticket=ticket,
        direction=Message.Direction.OUT,
        channel="whatsapp",
        provider="twilio_whatsapp",
        provider_message_id=pid,
        body="Syaratnya ...",
        status=status,
    )


class TestTwilioWhatsappWebhook(TwilioSigned):
    provider = "twilio_whatsapp"
    channel = "whatsapp"
    address = "+62811415227"

    def test_text_message(self, client, account):
        response = self.post(client, "text")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/xml") and b"<Response>" in response.content
        message = Message.objects.get()
        assert message.provider_message_id == "SM0a1b2c3d4e5f60718293a4b5c6d7e8f9"
        assert message.body == "Selamat siang, syarat akta kematian apa saja? & apakah gratis?"
        identity = ContactIdentity.objects.get()
        assert (identity.kind, identity.value) == ("phone", "+6281234567890")
        assert identity.contact.name == "Andi Makkasau"

    def test_media_message_keeps_every_media_url(self, client, account, settings):
        settings.CURHAT_AFTER_INGEST_TASKS = []
        self.post(client, "media")
        message = Message.objects.get()
        assert message.kind == "media" and message.body == "Foto KTP saya"
        first, second = message.attachments.order_by("id")
        assert first.source_url.endswith("/Media/ME00000000000000000000000000000001")
        assert first.declared_content_type == "image/jpeg"
        assert second.declared_content_type == "application/pdf"
        assert {first.download_status, second.download_status} == {Attachment.DownloadStatus.PENDING}

    def test_location(self, client, account):
        self.post(client, "location")
        message = Message.objects.get()
        assert message.kind == "location"
        assert message.meta["location"] == {
            "latitude": "-4.0135",
            "longitude": "119.6255",
            "address": "Jl. Jend. Sudirman, Parepare",
            "label": "Kantor Disdukcapil",
        }

    def test_button_reply(self, client, account):
        self.post(client, "button")
        message = Message.objects.get()
        assert (message.kind, message.body) == ("interactive", "Kartu Keluarga")
        assert message.meta["interactive"]["id"] == "topik-kk"

    def test_reply_continues_the_quoted_ticket(self, client, account):
        self.post(client, "text")
        _outbound()
        Ticket.objects.update(last_activity_at=Ticket.objects.get().created_at.replace(year=2020))
        self.post(client, "reply")
        assert Ticket.objects.count() == 1
        assert Message.objects.filter(direction="in").count() == 2

    def test_unknown_type_is_unsupported(self, client, account):
        assert self.post(client, "unknown_type").status_code == 200
        assert Message.objects.get().kind == Message.Kind.UNSUPPORTED

    def test_status_callbacks_move_our_message_forward(self, client, account):
        self.post(client, "text")
        out = _outbound()
        for name in ("status_sent", "status_read", "status_delivered"):
            assert self.post(client, name).status_code == 200
        out.refresh_from_db()
        assert out.status == "read"

    def test_undelivered_records_the_error_code(self, client, account):
        self.post(client, "text")
        out = _outbound(status="sent")
        self.post(client, "status_undelivered")
        out.refresh_from_db()
        assert (out.status, out.error_code) == ("failed", "63016")
        assert "outside the allowed window" in out.error_text
        assert InboundEvent.objects.last().outcome == InboundEvent.Outcome.PROCESSED

    def test_missing_sender_is_400(self, client, account):
        body = b"MessageSid=SM1&Body=halo&AccountSid=AC1"
        response = self.post(client, body=body)
        assert response.status_code == 400 and "From" in response.json()["error"]


def test_status_table_covers_every_documented_status():
    documented = {
        "accepted", "scheduled", "queued", "sending", "sent", "delivered",
        "read", "failed", "undelivered", "canceled",
    }  # fmt: skip
    assert documented == set(twilio_inbound.STATUS_MAP)
    assert DeliveryStatus.UNKNOWN not in twilio_inbound.STATUS_MAP.values()


def test_message_type_table_covers_every_documented_type():
    documented = {
        "text", "image", "video", "audio", "document", "sticker",
        "location", "button", "interactive", "reaction",
    }  # fmt: skip
    assert documented == set(twilio_inbound.MESSAGE_KINDS)
