"""Facebook Messenger page webhooks, on fixtures in the shapes of Meta's Messenger reference."""

from __future__ import annotations

from channels.models import InboundEvent
from channels.providers.messenger import inbound as messenger_inbound
from tickets.models import Attachment, ContactIdentity, Message, Ticket

from .webhook_base import MetaSigned


class TestMessengerWebhook(MetaSigned):
    provider = "messenger"
    channel = "facebook"
    address = "104857600000001"
    extra_secrets = {"verify_token": "token-verifikasi"}

    def test_text(self, client, account):
        self.post(client, "text")
        message = Message.objects.get()
        assert message.channel == "facebook" and message.kind == "text"
        assert message.body == "Permisi, akta kelahiran anak saya salah nama"
        identity = ContactIdentity.objects.get()
        assert (identity.kind, identity.value) == ("facebook_psid", "6783241019432912")
        assert message.created_at.timestamp() == 1764320400.123

    def test_attachments_wait_for_download(self, client, account, settings):
        settings.CURHAT_AFTER_INGEST_TASKS = []
        self.post(client, "image")
        self.post(client, "file")
        image, document = Message.objects.order_by("id")
        assert image.kind == "media" and image.attachments.get().source_url.startswith("https://scontent")
        assert document.body == "Ini surat pengantarnya"
        assert document.attachments.get().download_status == Attachment.DownloadStatus.PENDING

    def test_postback_and_quick_reply_are_interactive(self, client, account):
        self.post(client, "postback")
        self.post(client, "quick_reply")
        postback, quick = Message.objects.order_by("id")
        assert (postback.kind, postback.body, postback.meta["interactive"]["id"]) == (
            "interactive",
            "Syarat KTP-el",
            "TOPIK_KTP",
        )
        assert quick.meta["interactive"] == {"type": "quick_reply", "id": "TOPIK_AKTA_MATI"}

    def test_echo_is_never_a_ticket(self, client, account):
        assert self.post(client, "echo").status_code == 200
        assert Ticket.objects.count() == 0
        assert InboundEvent.objects.get().outcome == InboundEvent.Outcome.IGNORED

    def test_delivery_receipt_updates_our_message(self, client, account):
        self.post(client, "text")
        out = Message.objects.create(
            ticket=Ticket.objects.get(),
            direction="out",
            channel="facebook",
            provider="messenger",
            provider_message_id="m_OUT0001",
            status="sent",
        )
        self.post(client, "delivery")
        out.refresh_from_db()
        assert out.status == "delivered"

    def test_read_receipt_without_ids_is_kept_and_ignored(self, client, account):
        assert self.post(client, "read").status_code == 200
        assert InboundEvent.objects.get().outcome == InboundEvent.Outcome.IGNORED

    def test_fallback_attachment_is_unsupported(self, client, account):
        self.post(client, "fallback")
        assert Message.objects.get().kind == Message.Kind.UNSUPPORTED

    def test_missing_sender_is_400(self, client, account):
        response = self.post(client, "missing_sender")
        assert response.status_code == 400 and "sender" in response.json()["error"]


def test_event_table_covers_documented_events():
    assert {"message", "postback", "delivery", "read"} == messenger_inbound.HANDLED_EVENT_TYPES
