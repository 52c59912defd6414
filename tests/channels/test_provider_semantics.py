"""Provider semantics from the providers' documentation (issue #14 §5), through the real webhook:
final delivery failures, deep JSON, foreign webhook objects, WhatsApp system messages, Twilio
Voice callbacks without ``From``, and quoted replies in the timeline."""

from __future__ import annotations

import pytest
from django.urls import reverse

from channels.models import InboundEvent
from tickets.models import Attachment, Contact, ContactIdentity, Message, Ticket

from ..factories import staff_user
from .webhook_base import MetaSigning, TwilioSigning, fixture_bytes

CALL_SID = "CA5f6e7d8c9b0a1f2e3d4c5b6a7980a1b2"


def _outbound(
    pid: str, provider: str, status: str = "sent", body: str = "Syaratnya: KK lama, KTP-el."
) -> Message:
    ticket = Ticket.objects.get()
    return Message.objects.create(
        ticket=ticket,
        direction=Message.Direction.OUT,
        channel=ticket.channel,
        provider=provider,
        provider_message_id=pid,
        body=body,
        status=status,
    )


def _deep_json(depth: int) -> bytes:
    return b'{"object": "whatsapp_business_account", "entry": ' + b"[" * depth + b"]" * depth + b"}"


# --- Twilio WhatsApp ---------------------------------------------------------------------------------
class TestTwilioWhatsappSemantics(TwilioSigning):
    provider = "twilio_whatsapp"
    channel = "whatsapp"
    address = "+62811415227"

    @pytest.mark.parametrize(
        ("final", "late"), [("status_failed", "status_delivered"), ("status_undelivered", "status_read")]
    )
    def test_failed_and_undelivered_are_final(self, client, account, final, late):
        self.post(client, "text")
        out = _outbound("SMOUT000000000000000000000000000001", self.provider)
        assert self.post(client, final).status_code == 200
        assert self.post(client, late).status_code == 200
        out.refresh_from_db()
        assert out.status == "failed" and out.error_code in ("63003", "63016")
        assert out.delivered_at is None and out.read_at is None

    def test_reply_keeps_the_quoted_message_and_the_timeline_shows_it(self, client, account):
        self.post(client, "text")
        _outbound(
            "SMOUT000000000000000000000000000001", self.provider, body="Syaratnya: KK lama dan KTP-el asli."
        )
        self.post(client, "reply")
        reply = Message.objects.get(provider_message_id="SM4444555566667777888899990000bbbb")
        assert reply.meta["quoted_message_id"] == "SMOUT000000000000000000000000000001"
        operator = staff_user("op-quote", group="operator")
        client.force_login(operator)
        page = client.get(reverse("inbox:ticket", args=[reply.ticket_id])).content.decode()
        assert 'data-quoted-id="SMOUT000000000000000000000000000001"' in page
        assert "membalas pesan" in page and "“Syaratnya: KK lama dan KTP-el asli.”" in page


# --- Meta WhatsApp -----------------------------------------------------------------------------------
class TestMetaWhatsappSemantics(MetaSigning):
    provider = "meta_whatsapp"
    channel = "whatsapp"
    address = "109876543210"

    def test_failed_is_final(self, client, account):
        self.post(client, "text")
        out = _outbound("wamid.OUT0002", self.provider)
        assert self.post(client, "status_failed").status_code == 200
        late = fixture_bytes(self.provider, "status_delivered").replace(b"wamid.OUT0001", b"wamid.OUT0002")
        assert self.post(client, body=late).status_code == 200
        out.refresh_from_db()
        assert (out.status, out.error_code) == ("failed", "131047")
        assert out.delivered_at is None

    def test_json_nested_too_deep_is_400_with_the_reason(self, client, account):
        response = self.post(client, body=_deep_json(100_000))
        assert response.status_code == 400
        assert "bersarang terlalu dalam" in response.json()["error"]
        event = InboundEvent.objects.get()
        assert event.outcome == InboundEvent.Outcome.REJECTED

    def test_another_object_is_acknowledged_and_ignored(self, client, account):
        # A Messenger (object "page") delivery sent to the WhatsApp endpoint.
        response = self.post(client, body=fixture_bytes("messenger", "text"))
        assert response.status_code == 200
        assert InboundEvent.objects.get().outcome == InboundEvent.Outcome.IGNORED
        assert Ticket.objects.count() == 0

    def test_changed_number_adds_the_identity_and_opens_no_ticket(self, client, account):
        self.post(client, "text")
        contact = Contact.objects.get()
        assert self.post(client, "system_changed_number").status_code == 200
        assert Ticket.objects.count() == 1 and Message.objects.count() == 1
        assert set(contact.identities.values_list("kind", "value")) == {
            ("phone", "+6281234567890"),
            ("phone", "+6285298765432"),
        }
        assert InboundEvent.objects.last().outcome == InboundEvent.Outcome.PROCESSED
        # Redelivered: nothing changes.
        assert self.post(client, "system_changed_number").status_code == 200
        assert ContactIdentity.objects.count() == 2
        # A message from the new number continues the same contact's ticket.
        moved = fixture_bytes(self.provider, "text").replace(b"6281234567890", b"6285298765432")
        moved = moved.replace(b'"id": "wamid.', b'"id": "wamid.MOVED')
        assert self.post(client, body=moved).status_code == 200
        assert Ticket.objects.count() == 1 and Contact.objects.count() == 1

    def test_changed_number_of_someone_we_never_heard_from_is_ignored(self, client, account):
        assert self.post(client, "system_changed_number").status_code == 200
        assert Ticket.objects.count() == 0 and ContactIdentity.objects.count() == 0
        assert InboundEvent.objects.get().outcome == InboundEvent.Outcome.IGNORED

    def test_reply_context_is_kept_as_the_quoted_message(self, client, account):
        self.post(client, "text")
        _outbound("wamid.OUTGOING0003", self.provider)
        self.post(client, "reply_with_context")
        reply = Message.objects.get(provider_message_id="wamid.REPLY0001")
        assert reply.meta["quoted_message_id"] == "wamid.OUTGOING0003"


# --- Messenger ---------------------------------------------------------------------------------------
class TestMessengerSemantics(MetaSigning):
    provider = "messenger"
    channel = "facebook"
    address = "104857600000001"

    def test_another_object_is_acknowledged_and_ignored(self, client, account):
        response = self.post(client, body=fixture_bytes("meta_whatsapp", "text"))
        assert response.status_code == 200
        assert InboundEvent.objects.get().outcome == InboundEvent.Outcome.IGNORED
        assert Ticket.objects.count() == 0

    def test_json_nested_too_deep_is_400_with_the_reason(self, client, account):
        response = self.post(client, body=_deep_json(100_000).replace(b"whatsapp_business_account", b"page"))
        assert response.status_code == 400
        assert "bersarang terlalu dalam" in response.json()["error"]


# --- Twilio Voice ------------------------------------------------------------------------------------
class TestTwilioVoiceCallbacksWithoutFrom(TwilioSigning):
    provider = "twilio_voice"
    channel = "phone"
    address = "+62811428227"

    def account_config(self) -> dict:
        return {"operator_number": "+62811428000", "office_days": [], "transcribe": True}

    def test_status_callback_without_from_is_attached_to_the_call(self, client, account):
        self.post(client, "incoming")
        response = self.post(client, "status_without_from")
        assert response.status_code == 200
        message = Message.objects.get()
        assert message.meta["call"]["status"] == "completed"
        assert message.meta["call"]["duration_seconds"] == 127
        assert InboundEvent.objects.last().outcome == InboundEvent.Outcome.PROCESSED

    def test_recording_status_callback_records_the_recording(self, client, account, settings):
        settings.CURHAT_AFTER_INGEST_TASKS = []
        self.post(client, "incoming")
        assert self.post(client, "recording_status").status_code == 200
        call = Message.objects.get().meta["call"]
        assert call["recording_sid"] == "RE0a1b2c3d4e5f60718293a4b5c6d7e8f9"
        assert call["recording_seconds"] == 42 and call["recording_status"] == "completed"
        attachment = Attachment.objects.get()
        assert attachment.provider_media_id == "RE0a1b2c3d4e5f60718293a4b5c6d7e8f9"
        assert attachment.source_url.endswith("RE0a1b2c3d4e5f60718293a4b5c6d7e8f9.mp3")
        # The <Record action> callback of the same recording adds nothing new.
        self.post(client, "recording", query="event=recording")
        assert Attachment.objects.count() == 1 and Message.objects.count() == 1

    def test_failed_transcription_is_recorded_on_the_call(self, client, account, settings):
        settings.CURHAT_AFTER_INGEST_TASKS = []
        self.post(client, "incoming")
        response = self.post(client, "transcription_failed", query="event=transcription")
        assert response.status_code == 200
        call = Message.objects.get().meta["call"]
        assert call["transcription_status"] == "failed" and "transcript" not in call
        self.post(client, "transcription", query="event=transcription")
        call = Message.objects.get().meta["call"]
        assert call["transcription_status"] == "completed"
        assert call["transcript"].startswith("Selamat malam")

    def test_callback_for_a_call_not_recorded_yet_waits_and_then_ends_in_error(self, client, account):
        from django.utils import timezone

        from channels.pipeline import RETRYABLE_ATTEMPTS, queue_drain

        response = self.post(client, "status_without_from")
        assert response.status_code == 200  # acknowledged: the event is stored
        event = InboundEvent.objects.get()
        # The call's first request may still come: the event is tried again later, not failed.
        assert event.outcome == InboundEvent.Outcome.PENDING and "belum tercatat" in event.reason
        assert event.available_at > timezone.now() and Message.objects.count() == 0
        for _ in range(RETRYABLE_ATTEMPTS):
            InboundEvent.objects.update(available_at=None)
            queue_drain()
        event.refresh_from_db()
        assert event.outcome == InboundEvent.Outcome.ERROR and "belum tercatat" in event.reason
        assert event.attempts == RETRYABLE_ATTEMPTS and Message.objects.count() == 0
