"""ticket_ingest: the single entry every channel calls."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from tickets.inbound import InboundAttachment
from tickets.ingest import ticket_ingest
from tickets.models import Attachment, Contact, ContactIdentity, Message, Ticket

from .factories import inbound
from .support import at_wita

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
    b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\xbd\xfa\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_first_message_opens_a_ticket_with_contact_and_identity():
    result = ticket_ingest(message=inbound(sender="0811-415-227", name="Bu Rahma"))
    assert result.created and result.ticket_created
    ticket = result.ticket
    assert ticket.reference.startswith(f"CA-{ticket.created_at.astimezone(at_wita(2020, 1, 1).tzinfo).year}-")
    assert ticket.status == Ticket.Status.NEW
    assert ticket.channel == "whatsapp"
    assert ticket.last_inbound_at == result.message.created_at
    assert result.contact.name == "Bu Rahma"
    assert list(result.contact.identities.values_list("kind", "value")) == [("phone", "+62811415227")]
    assert result.message.direction == Message.Direction.IN
    assert result.message.status == Message.Status.RECEIVED


@pytest.mark.parametrize(
    "spelling",
    [
        "0811-415-227",
        "62811415227",
        "+62 811 415 227",
        "whatsapp:+62811415227",
        "811415227",
        "(0811) 415.227",
    ],
)
def test_every_spelling_of_a_number_is_one_identity(spelling):
    first = ticket_ingest(message=inbound(sender="+62811415227"))
    again = ticket_ingest(message=inbound(sender=spelling))
    assert again.contact == first.contact
    assert again.ticket == first.ticket
    assert ContactIdentity.objects.count() == 1


def test_email_identity_is_lower_cased():
    a = ticket_ingest(
        message=inbound(
            channel="email",
            provider="email_imap",
            sender_kind="email",
            sender="Warga@Example.COM",
            provider_message_id="<a@x>",
        )
    )
    b = ticket_ingest(
        message=inbound(
            channel="email",
            provider="email_imap",
            sender_kind="email",
            sender="warga@example.com",
            provider_message_id="<b@x>",
        )
    )
    assert a.contact == b.contact
    assert a.contact.identities.get().value == "warga@example.com"


def test_message_within_window_continues_the_ticket_and_after_it_opens_a_new_one(settings):
    settings.CURHAT_THREAD_WINDOW_DAYS = 7
    t0 = at_wita(2026, 3, 2, 9, 0)
    first = ticket_ingest(message=inbound(timestamp=t0))
    six_days = ticket_ingest(message=inbound(timestamp=t0 + dt.timedelta(days=6, hours=23)))
    assert six_days.ticket == first.ticket and not six_days.ticket_created
    # The window counts from the last activity, so it slides with the conversation.
    later = ticket_ingest(message=inbound(timestamp=t0 + dt.timedelta(days=13)))
    assert later.ticket == first.ticket
    new = ticket_ingest(message=inbound(timestamp=t0 + dt.timedelta(days=20, hours=1)))
    assert new.ticket_created and new.ticket != first.ticket
    assert Ticket.objects.count() == 2


def test_window_is_configurable(settings):
    settings.CURHAT_THREAD_WINDOW_DAYS = 1
    t0 = at_wita(2026, 3, 2, 9, 0)
    first = ticket_ingest(message=inbound(timestamp=t0))
    second = ticket_ingest(message=inbound(timestamp=t0 + dt.timedelta(days=2)))
    assert second.ticket != first.ticket


def test_other_channel_opens_its_own_ticket_for_the_same_contact():
    wa = ticket_ingest(message=inbound(sender="081234567890"))
    sms = ticket_ingest(message=inbound(sender="+6281234567890", channel="sms", provider="twilio_sms"))
    assert sms.contact == wa.contact
    assert sms.ticket != wa.ticket
    assert sms.ticket.channel == "sms"


def test_closed_ticket_is_not_continued_but_answered_one_is_reopened():
    first = ticket_ingest(message=inbound())
    Ticket.objects.filter(pk=first.ticket.pk).update(status=Ticket.Status.ANSWERED)
    again = ticket_ingest(message=inbound(text="Terima kasih, satu lagi: KTP saya hilang"))
    assert again.ticket == first.ticket
    again.ticket.refresh_from_db()
    assert again.ticket.status == Ticket.Status.OPEN
    Ticket.objects.filter(pk=first.ticket.pk).update(status=Ticket.Status.CLOSED)
    third = ticket_ingest(message=inbound(text="Halo lagi"))
    assert third.ticket_created and third.ticket != first.ticket


def test_resolved_ticket_is_reopened_and_resolution_cleared():
    first = ticket_ingest(message=inbound())
    Ticket.objects.filter(pk=first.ticket.pk).update(
        status=Ticket.Status.RESOLVED, resolved_at=first.message.created_at
    )
    again = ticket_ingest(message=inbound(text="Maaf, masih ada pertanyaan"))
    again.ticket.refresh_from_db()
    assert again.ticket == first.ticket
    assert again.ticket.status == Ticket.Status.OPEN and again.ticket.resolved_at is None


def test_redelivered_message_changes_nothing():
    first = ticket_ingest(message=inbound(provider_message_id="wamid.SAME"))
    again = ticket_ingest(message=inbound(provider_message_id="wamid.SAME", text="different text"))
    assert not again.created
    assert again.message.pk == first.message.pk
    assert Message.objects.count() == 1 and Ticket.objects.count() == 1
    assert Message.objects.get().body == first.message.body


def test_same_id_from_another_provider_is_another_message():
    ticket_ingest(message=inbound(provider_message_id="X1", provider="meta_whatsapp"))
    other = ticket_ingest(message=inbound(provider_message_id="X1", provider="twilio_whatsapp"))
    assert other.created
    assert Message.objects.count() == 2


def test_quoted_reference_continues_only_the_contacts_own_ticket():
    mine = ticket_ingest(
        message=inbound(
            channel="email",
            provider="email_imap",
            sender_kind="email",
            sender="a@example.com",
            provider_message_id="<1@x>",
        )
    )
    Ticket.objects.filter(pk=mine.ticket.pk).update(last_activity_at=at_wita(2020, 1, 1))
    reply = ticket_ingest(
        message=inbound(
            channel="email",
            provider="email_imap",
            sender_kind="email",
            sender="a@example.com",
            provider_message_id="<2@x>",
            subject=f"Re: [{mine.ticket.reference}] KK",
        )
    )
    assert reply.ticket == mine.ticket
    stranger = ticket_ingest(
        message=inbound(
            channel="email",
            provider="email_imap",
            sender_kind="email",
            sender="b@example.com",
            provider_message_id="<3@x>",
            subject=f"[{mine.ticket.reference}]",
        )
    )
    assert stranger.ticket != mine.ticket


def test_reply_to_header_continues_an_old_ticket():
    first = ticket_ingest(
        message=inbound(
            channel="email",
            provider="email_imap",
            sender_kind="email",
            sender="a@example.com",
            provider_message_id="<m1@warga>",
        )
    )
    Ticket.objects.filter(pk=first.ticket.pk).update(last_activity_at=at_wita(2020, 1, 1))
    reply = ticket_ingest(
        message=inbound(
            channel="email",
            provider="email_imap",
            sender_kind="email",
            sender="a@example.com",
            provider_message_id="<m2@warga>",
            reply_to_ids=("<m1@warga>",),
        )
    )
    assert reply.ticket == first.ticket


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"text": "", "attachments": ()}, "empty_message"),
        ({"text": "   "}, "empty_message"),
        ({"channel": "telegram"}, "unknown_channel"),
        ({"sender": "halo"}, "phone_invalid"),
        ({"sender": "12"}, "phone_invalid"),
        ({"sender_kind": "email", "sender": "bukan-email"}, "email_invalid"),
        ({"sender_kind": "fax", "sender": "123"}, "identity_kind"),
    ],
)
def test_bad_input_raises_and_stores_nothing(kwargs, code):
    with pytest.raises(ValidationError) as excinfo:
        ticket_ingest(message=inbound(**kwargs))
    assert excinfo.value.code == code
    assert Ticket.objects.count() == 0 and Contact.objects.count() == 0 and Message.objects.count() == 0


def test_naive_timestamp_is_refused():
    with pytest.raises(ValidationError):
        ticket_ingest(message=inbound(timestamp=dt.datetime(2026, 1, 1, 10, 0)))


def test_attachment_only_message_is_accepted_and_content_checked():
    result = ticket_ingest(
        message=inbound(
            text="",
            attachments=(
                InboundAttachment(filename="kk.png", content_type="application/pdf", content=PNG),
                InboundAttachment(
                    filename="virus.exe", content_type="image/png", content=b"MZ\x90\x00" + b"\x00" * 60
                ),
            ),
        )
    )
    stored, refused = result.message.attachments.order_by("id")
    assert stored.download_status == Attachment.DownloadStatus.STORED
    assert stored.content_type == "image/png"  # sniffed, not the declared type
    assert stored.size == len(PNG) and len(stored.sha256) == 64
    assert refused.download_status == Attachment.DownloadStatus.REJECTED
    assert not refused.file
    assert "tidak diterima" in refused.download_error


def test_remote_attachment_waits_for_download():
    result = ticket_ingest(
        message=inbound(
            text="",
            attachments=(
                InboundAttachment(url="https://api.twilio.com/media/ME1", content_type="image/jpeg"),
            ),
        )
    )
    attachment = result.message.attachments.get()
    assert attachment.download_status == Attachment.DownloadStatus.PENDING
    assert attachment.source_url == "https://api.twilio.com/media/ME1"


def test_references_are_sequential_per_local_year():
    # 31 Dec 23:30 WITA is still 2025 locally (15:30 UTC); 1 Jan 00:30 WITA is 2026 (16:30 UTC on 31 Dec).
    a = ticket_ingest(message=inbound(sender="081100000001", timestamp=at_wita(2025, 12, 31, 23, 30)))
    b = ticket_ingest(message=inbound(sender="081100000002", timestamp=at_wita(2026, 1, 1, 0, 30)))
    c = ticket_ingest(message=inbound(sender="081100000003", timestamp=at_wita(2026, 1, 2, 8, 0)))
    assert a.ticket.reference == "CA-2025-000001"
    assert b.ticket.reference == "CA-2026-000001"
    assert c.ticket.reference == "CA-2026-000002"


def test_tracking_tokens_are_random_and_long():
    tokens = {
        ticket_ingest(message=inbound(sender=f"08110000{i:04d}")).ticket.tracking_token for i in range(20)
    }
    assert len(tokens) == 20
    assert all(len(t) >= 32 for t in tokens)


def _outbound(ticket, status="sent", provider="meta_whatsapp", pid="wamid.OUT1"):
    return Message.objects.create(
        ticket=ticket,
        direction=Message.Direction.OUT,
        channel=ticket.channel,
        provider=provider,
        provider_message_id=pid,
        body="Syaratnya ...",
        status=status,
    )


def test_status_updates_move_forward_only():
    from tickets.delivery_reports import message_status_apply

    ticket = ticket_ingest(message=inbound()).ticket
    out = _outbound(ticket)
    t = at_wita(2026, 5, 1, 10, 0)
    message_status_apply(
        provider="meta_whatsapp", provider_message_id="wamid.OUT1", status="read", timestamp=t
    )
    message_status_apply(
        provider="meta_whatsapp", provider_message_id="wamid.OUT1", status="delivered", timestamp=t
    )
    out.refresh_from_db()
    assert out.status == "read" and out.read_at == t and out.delivered_at == t and out.sent_at is not None
    # A failure after read does not undo read; unknown ids are ignored.
    message_status_apply(
        provider="meta_whatsapp", provider_message_id="wamid.OUT1", status="failed", timestamp=t
    )
    out.refresh_from_db()
    assert out.status == "read"
    assert (
        message_status_apply(provider="meta_whatsapp", provider_message_id="nope", status="read", timestamp=t)
        is None
    )


def test_failed_status_records_the_reason():
    from tickets.delivery_reports import message_status_apply

    ticket = ticket_ingest(message=inbound()).ticket
    out = _outbound(ticket, pid="SM1", provider="twilio_whatsapp")
    message_status_apply(
        provider="twilio_whatsapp",
        provider_message_id="SM1",
        status="failed",
        timestamp=at_wita(2026, 5, 1, 10, 0),
        error_code="63016",
        error_text="Outside the allowed window",
    )
    out.refresh_from_db()
    assert (out.status, out.error_code) == ("failed", "63016")


@pytest.mark.parametrize(
    ("provider", "final", "late"),
    [
        ("twilio_whatsapp", "failed", "delivered"),  # Twilio failed → a late delivered
        ("twilio_whatsapp", "failed", "read"),  # Twilio undelivered (mapped to failed) → a late read
        ("meta_whatsapp", "failed", "delivered"),
        ("meta_whatsapp", "failed", "sent"),
    ],
)
def test_failed_is_final_a_late_delivered_or_read_does_not_overwrite_it(provider, final, late):
    from tickets.delivery_reports import message_status_apply

    ticket = ticket_ingest(message=inbound()).ticket
    out = _outbound(ticket, provider=provider, pid="OUT-FINAL")
    t = at_wita(2026, 5, 1, 10, 0)
    message_status_apply(
        provider=provider,
        provider_message_id="OUT-FINAL",
        status=final,
        timestamp=t,
        error_code="63016",
        error_text="Outside the allowed window",
    )
    message_status_apply(
        provider=provider, provider_message_id="OUT-FINAL", status=late, timestamp=t + dt.timedelta(seconds=5)
    )
    out.refresh_from_db()
    assert (out.status, out.error_code, out.error_text) == ("failed", "63016", "Outside the allowed window")
    assert out.delivered_at is None and out.read_at is None


def test_a_provider_report_settles_an_in_doubt_failure_of_our_own():
    from tickets.delivery_reports import message_status_apply

    ticket = ticket_ingest(message=inbound()).ticket
    out = _outbound(ticket, status="failed", pid="OUT-DOUBT")
    Message.objects.filter(pk=out.pk).update(error_code="in_doubt")
    message_status_apply(
        provider="meta_whatsapp",
        provider_message_id="OUT-DOUBT",
        status="delivered",
        timestamp=at_wita(2026, 5, 1),
    )
    out.refresh_from_db()
    assert (out.status, out.error_code) == ("delivered", "")


def test_new_ticket_opens_a_consultation_even_inside_the_window():
    first = ticket_ingest(message=inbound(channel="website", provider="website", provider_message_id="web:1"))
    second = ticket_ingest(
        message=inbound(channel="website", provider="website", provider_message_id="web:2"), new_ticket=True
    )
    assert second.ticket_created and second.ticket != first.ticket
    assert second.contact == first.contact


def test_nul_characters_from_a_provider_are_removed():
    result = ticket_ingest(message=inbound(text="KK\x00 hilang\x00\x00", name="A\x00ndi", subject="\x00Akta"))
    assert result.message.body == "KK hilang"
    assert result.contact.name == "Andi"
    assert result.ticket.subject == "Akta"
    assert "\ufffd" not in result.message.body
