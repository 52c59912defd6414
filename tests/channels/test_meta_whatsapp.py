"""Meta WhatsApp Cloud API webhooks, on fixtures in the shapes of Meta's webhook reference."""

from __future__ import annotations

import pytest

from channels.models import InboundEvent
from channels.providers.meta_whatsapp import inbound as meta_inbound
from tickets.models import Attachment, ContactIdentity, Message, Ticket

from .webhook_base import MetaSigned, fixture_bytes


def _outbound(pid: str, status: str = "queued") -> Message:
    ticket = Ticket.objects.first()
    assert ticket is not None
    return Message.objects.create(
        ticket=ticket,
        direction=Message.Direction.OUT,
        channel="whatsapp",
        provider="meta_whatsapp",
        provider_message_id=pid,
        body="Syaratnya: KK lama, KTP-el, surat pengantar.",
        status=status,
    )


class TestMetaWhatsappWebhook(MetaSigned):
    provider = "meta_whatsapp"
    channel = "whatsapp"
    address = "109876543210"

    def test_text_opens_a_ticket_with_the_contact(self, client, account):
        assert self.post(client, "text").status_code == 200
        message = Message.objects.get()
        assert message.kind == "text" and message.direction == "in"
        assert (
            message.body == "Selamat pagi, syarat bikin KK baru apa saja? <b>penting</b>"
        )  # stored as received
        assert message.meta["phone_number_id"] == "109876543210"
        identity = ContactIdentity.objects.get()
        assert (identity.kind, identity.value) == ("phone", "+6281234567890")
        assert identity.contact.name == "Andi Makkasau"
        assert message.ticket.channel == "whatsapp" and message.ticket.account == account
        assert message.created_at.timestamp() == 1764320400

    @pytest.mark.parametrize(
        ("fixture", "media_id", "caption", "declared"),
        [
            ("image", "1003383421387256", "Foto KK lama saya", "image/jpeg"),
            ("document", "2043857139364870", "Surat pengantar RT", "application/pdf"),
            ("audio_voice", "908172635412398", "", "audio/ogg; codecs=opus"),
            ("video", "1165482733014789", "Video antrean", "video/mp4"),
        ],
    )
    def test_media_waits_for_download(self, client, account, settings, fixture, media_id, caption, declared):
        settings.CURHAT_AFTER_INGEST_TASKS = []  # the download itself is tested against a stand-in
        assert self.post(client, fixture).status_code == 200
        message = Message.objects.get()
        assert message.kind == "media" and message.body == caption
        attachment = message.attachments.get()
        assert attachment.provider_media_id == media_id
        assert attachment.declared_content_type == declared
        assert attachment.download_status == Attachment.DownloadStatus.PENDING
        if fixture == "document":
            assert attachment.original_name == "pengantar-rt.pdf"
        if fixture == "audio_voice":
            assert message.meta["voice"] is True

    def test_location(self, client, account):
        self.post(client, "location")
        message = Message.objects.get()
        assert message.kind == "location"
        assert message.meta["location"]["latitude"] == -4.0135
        assert "Kantor Disdukcapil" in message.body

    @pytest.mark.parametrize(
        ("fixture", "title", "reply_id", "context_id"),
        [
            ("interactive_button_reply", "Kartu Keluarga", "topik-kk", "wamid.OUTGOING0001"),
            ("interactive_list_reply", "Akta kelahiran", "akta-lahir", "wamid.OUTGOING0002"),
        ],
    )
    def test_interactive_replies(self, client, account, fixture, title, reply_id, context_id):
        self.post(client, fixture)
        message = Message.objects.get()
        assert (message.kind, message.body) == ("interactive", title)
        assert message.meta["interactive"]["id"] == reply_id
        assert message.meta["context"]["id"] == context_id

    def test_reaction_continues_the_reacted_messages_ticket(self, client, account):
        self.post(client, "text")
        self.post(client, "reaction")
        first, reaction = Message.objects.order_by("id")
        assert reaction.kind == "reaction" and reaction.body == "👍"
        assert reaction.ticket == first.ticket
        assert Ticket.objects.count() == 1

    def test_reply_with_context_continues_our_ticket_even_when_old(self, client, account):
        self.post(client, "text")
        ticket = Ticket.objects.get()
        _outbound("wamid.OUTGOING0003")
        Ticket.objects.update(last_activity_at=ticket.created_at.replace(year=2020))
        self.post(client, "reply_with_context")
        reply = Message.objects.get(provider_message_id="wamid.REPLY0001")
        assert reply.ticket == ticket
        assert reply.meta["context"] == {"from": "62811415227", "id": "wamid.OUTGOING0003"}

    @pytest.mark.parametrize("fixture", ["unknown_type", "future_type"])
    def test_unknown_types_are_stored_as_unsupported_and_answered_200(self, client, account, fixture):
        assert self.post(client, fixture).status_code == 200
        message = Message.objects.get()
        assert message.kind == Message.Kind.UNSUPPORTED
        assert message.get_kind_display() == "Pesan tidak didukung"
        assert InboundEvent.objects.get().outcome == InboundEvent.Outcome.PROCESSED

    def test_statuses_update_our_message_and_failed_keeps_the_reason(self, client, account):
        self.post(client, "text")
        sent = _outbound("wamid.OUT0001")
        failed = _outbound("wamid.OUT0002")
        for name in ("status_sent", "status_read", "status_delivered"):
            assert self.post(client, name).status_code == 200
        sent.refresh_from_db()
        assert sent.status == "read" and sent.read_at.timestamp() == 1764320480
        assert sent.delivered_at.timestamp() == 1764320470
        # Failed statuses come without contacts[].
        assert self.post(client, "status_failed").status_code == 200
        failed.refresh_from_db()
        assert failed.status == "failed" and failed.error_code == "131047"
        assert "24 hours" in failed.error_text

    def test_status_for_a_message_we_do_not_know_is_ignored(self, client, account):
        assert self.post(client, "status_sent").status_code == 200
        assert InboundEvent.objects.get().outcome == InboundEvent.Outcome.IGNORED

    def test_several_entries_and_messages_in_one_post(self, client, account):
        self.post(client, "text")
        out = _outbound("wamid.OUT0001", status="sent")
        assert self.post(client, "batch").status_code == 200
        batch = Message.objects.filter(provider_message_id__startswith="wamid.BATCH")
        assert batch.count() == 3
        names = set(batch.values_list("ticket__contact__name", flat=True))
        assert names == {"Andi Makkasau", "Siti", "Budi"}
        assert Ticket.objects.count() == 3
        out.refresh_from_db()
        assert out.status == "delivered"

    def test_user_known_only_by_username(self, client, account):
        assert self.post(client, "username_only").status_code == 200
        identity = ContactIdentity.objects.get()
        assert (identity.kind, identity.value) == ("whatsapp_user", "ID.1234567890123456")
        assert identity.contact.name == "Rahma"

    def test_missing_required_field_is_400(self, client, account):
        body = fixture_bytes(self.provider, "text").replace(b'"type": "text",', b"")
        response = self.post(client, body=body)
        assert response.status_code == 400
        assert "type wajib ada" in response.json()["error"]

    def test_not_a_whatsapp_object_is_acknowledged_and_ignored(self, client, account):
        # A refusal would make Meta retry it for days (test_provider_semantics has the full case).
        response = self.post(client, body=b'{"object": "page", "entry": []}')
        assert response.status_code == 200
        assert InboundEvent.objects.get().outcome == InboundEvent.Outcome.IGNORED

    def test_one_bad_message_does_not_block_the_others(self, client, account):
        # The first message has an empty text body: ticket_ingest refuses it; the second is stored.
        body = fixture_bytes(self.provider, "batch").replace(b'"body": "Pesan pertama"', b'"body": "  "')
        response = self.post(client, body=body)
        assert response.status_code == 200
        event = InboundEvent.objects.get()
        assert event.outcome == InboundEvent.Outcome.ERROR and "tanpa teks" in event.reason
        assert (
            Message.objects.filter(provider_message_id__in=["wamid.BATCH0002", "wamid.BATCH0003"]).count()
            == 2
        )


def test_message_type_table_covers_every_documented_type():
    documented = {
        "text", "image", "document", "audio", "video", "sticker", "location",
        "interactive", "button", "reaction", "unsupported",
    }  # fmt: skip
    assert documented <= meta_inbound.HANDLED_MESSAGE_TYPES


def test_status_table_covers_every_documented_status():
    assert set(meta_inbound.STATUS_MAP) == {"sent", "delivered", "read", "failed"}
    assert {status.value for status in meta_inbound.STATUS_MAP.values()} <= {
        "sent", "delivered", "read", "failed"
    }  # fmt: skip
