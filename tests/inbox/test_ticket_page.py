"""The ticket page: the whole timeline, the contact, every action, polling and presence, canned
answers, safe attachment downloads, and a pinned number of queries whatever the timeline's length."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from officials.models import Escalation
from tickets.delivery_reports import message_status_apply
from tickets.inbound import InboundAttachment
from tickets.ingest import ticket_ingest
from tickets.models import CannedAnswer, Contact, ContactIdentity, Department, Message, Ticket, Topic
from tickets.relay import notes, outbox

from ..factories import inbound
from .conftest import make_ticket

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.inbox.urls")]

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
    b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\xbd\xfa\x00\x00\x00\x00IEND\xaeB`\x82"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _page(client, ticket):
    response = client.get(reverse("inbox:ticket", args=[ticket.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_timeline_has_in_out_note_escalation_call_and_escapes_html(op_client, operator):
    ticket = make_ticket(text="<script>alert(1)</script> KK saya hilang")
    outbox.message_reply_create(ticket=ticket, author=operator, body="Silakan bawa surat kehilangan.")
    failed = outbox.message_reply_create(ticket=ticket, author=operator, body="Balasan kedua")
    Message.objects.filter(pk=failed.pk).update(
        status="failed", error_code="131026", error_text="Nomor tidak aktif"
    )
    notes.message_note_create(ticket=ticket, author=operator, body="Cek SIAK dulu")
    Escalation.objects.create(
        ticket=ticket,
        department=Department.objects.get(code="dafduk"),
        question="Boleh cetak ulang tanpa surat polisi?",
        answer="Boleh dengan surat pernyataan.",
        status="answered",
        requested_by=operator,
        due_at=timezone.now() + dt.timedelta(days=1),
    )
    Message.objects.create(
        ticket=ticket,
        direction="in",
        kind="call",
        channel="whatsapp_call",
        body="Panggilan masuk",
        status="received",
        meta={"call": {"status": "completed", "duration_seconds": 95}},
    )
    html = _page(op_client, ticket)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    assert "Silakan bawa surat kehilangan." in html
    assert "Nomor tidak aktif" in html and "131026" in html and "Kirim ulang" in html
    assert "Cek SIAK dulu" in html
    assert "Boleh cetak ulang tanpa surat polisi?" in html and "Boleh dengan surat pernyataan." in html
    assert "durasi 95 detik" in html
    assert 'style="' not in html and "<script>" not in html.replace(
        '<script src="/static/js/inbox.js" defer>', ""
    )


def test_views_and_changes_are_audit_logged(op_client, operator):
    from tickets.models import AuditEvent

    ticket = make_ticket()
    _page(op_client, ticket)
    op_client.post(reverse("inbox:status", args=[ticket.pk]), {"action": "close"})
    events = list(
        AuditEvent.objects.filter(ticket_reference=ticket.reference).values_list("action", "actor_name")
    )
    assert ("ticket_view", "operator1") in events and ("ticket_status", "operator1") in events


def test_contact_identities_masked_and_other_tickets(op_client):
    first = make_ticket(sender="0811-415-227", channel="whatsapp")
    Ticket.objects.filter(pk=first.pk).update(status="closed")
    second = make_ticket(sender="0811-415-227", text="Pertanyaan baru")
    assert second.pk != first.pk
    ContactIdentity.objects.create(contact=second.contact, kind="email", value="rahma@example.id")
    html = _page(op_client, second)
    assert "+62811***227" in html and "ra***@example.id" in html
    assert first.reference in html
    # The reply can go to the contact's other channel; the window state is shown.
    assert 'value="email"' in html and 'value="whatsapp"' in html
    assert "jendela 24 jam terbuka" in html
    assert 'data-kb-target="#reply-body"' in html  # the requirements panel inserts into the reply


def test_window_closed_is_shown_before_sending(op_client):
    ticket = make_ticket(timestamp=timezone.now() - dt.timedelta(hours=30))
    assert "Jendela 24 jam sudah tertutup" in _page(op_client, ticket)


def test_reply_note_assign_categorize_and_status(
    op_client, operator, operator2, django_capture_on_commit_callbacks
):
    ticket = make_ticket()
    with django_capture_on_commit_callbacks(execute=True):
        op_client.post(reverse("inbox:reply", args=[ticket.pk]), {"body": "Baik, kami bantu.", "channel": ""})
    reply = Message.objects.get(direction="out")
    assert reply.author == operator and reply.channel == "whatsapp" and reply.body == "Baik, kami bantu."
    assert reply.status == "sent"  # sandbox relay ran in-process after the commit
    op_client.post(reverse("inbox:note", args=[ticket.pk]), {"body": "Warga minta ditelepon"})
    assert Message.objects.filter(direction="note", body="Warga minta ditelepon").exists()
    op_client.post(reverse("inbox:assign", args=[ticket.pk]), {"claim": "1"})
    assert Ticket.objects.get(pk=ticket.pk).assignee == operator
    op_client.post(reverse("inbox:assign", args=[ticket.pk]), {"assignee": operator2.pk})
    assert Ticket.objects.get(pk=ticket.pk).assignee == operator2
    akta = Topic.objects.get(code="akta-kelahiran")
    op_client.post(reverse("inbox:categorize", args=[ticket.pk]), {"topic": akta.pk, "department": ""})
    ticket.refresh_from_db()
    assert ticket.topic == akta and ticket.department.code == "capil"
    op_client.post(reverse("inbox:status", args=[ticket.pk]), {"action": "resolve"})
    ticket.refresh_from_db()
    assert ticket.status == "resolved" and ticket.resolved_at
    op_client.post(reverse("inbox:status", args=[ticket.pk]), {"action": "close"})
    ticket.refresh_from_db()
    assert ticket.status == "closed" and ticket.closed_at
    op_client.post(reverse("inbox:status", args=[ticket.pk]), {"action": "reopen"})
    ticket.refresh_from_db()
    assert ticket.status == "open" and ticket.closed_at is None and ticket.resolved_at is None


def test_bad_actions_are_refused_with_a_reason(op_client, official):
    ticket = make_ticket()
    response = op_client.post(
        reverse("inbox:reply", args=[ticket.pk]), {"body": ""}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 400 and "error" in response.json()
    response = op_client.post(
        reverse("inbox:status", args=[ticket.pk]), {"action": "hapus"}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 400
    # Tickets go to operators only, never to an official.
    response = op_client.post(
        reverse("inbox:assign", args=[ticket.pk]), {"assignee": official.pk}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 400 and Ticket.objects.get(pk=ticket.pk).assignee is None
    assert op_client.get(reverse("inbox:ticket", args=[999999])).status_code == 404


def test_merge_tickets_moves_the_timeline(op_client):
    a = make_ticket(sender="081222223333", text="Pertama")
    Ticket.objects.filter(pk=a.pk).update(status="closed")
    b = make_ticket(sender="081222223333", text="Kedua")
    response = op_client.post(reverse("inbox:merge_ticket", args=[b.pk]), {"reference": a.reference})
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.merged_into == b and a.status == "closed"
    assert set(b.messages.filter(direction="in").values_list("body", flat=True)) == {"Pertama", "Kedua"}
    assert b.messages.filter(direction="note", body__contains=a.reference).exists()
    # Merged tickets leave the inbox.
    listed = [
        row.ticket.pk for row in op_client.get(reverse("inbox:list"), {"status": "semua"}).context["rows"]
    ]
    assert a.pk not in listed and b.pk in listed


def test_merge_contacts_moves_identities_and_tickets(op_client):
    wa = make_ticket(sender="081233334444", name="Siti")
    mail = make_ticket(
        sender="siti@example.id", sender_kind="email", channel="email", provider="email_imap", name=""
    )
    op_client.post(reverse("inbox:merge_contact", args=[wa.pk]), {"reference": mail.reference})
    old = Contact.objects.get(pk=mail.contact_id)
    assert old.merged_into_id == wa.contact_id
    assert set(ContactIdentity.objects.filter(contact=wa.contact).values_list("kind", flat=True)) == {
        "phone",
        "email",
    }
    assert Ticket.objects.get(pk=mail.pk).contact_id == wa.contact_id
    # The citizen's next e-mail continues with the surviving contact.
    again = ticket_ingest(
        message=inbound(sender="siti@example.id", sender_kind="email", channel="email", provider="email_imap")
    )
    assert again.contact.pk == wa.contact_id


def test_retry_a_failed_reply(op_client, operator, django_capture_on_commit_callbacks):
    ticket = make_ticket()
    reply = outbox.message_reply_create(ticket=ticket, author=operator, body="Coba lagi")
    Message.objects.filter(pk=reply.pk).update(status="failed", error_code="timeout", error_text="x")
    with django_capture_on_commit_callbacks(execute=True):
        response = op_client.post(reverse("inbox:retry", args=[ticket.pk, reply.pk]))
    assert response.status_code == 302
    reply.refresh_from_db()
    assert reply.status == "sent"  # queued again, then the sandbox relay ran
    not_failed = op_client.post(
        reverse("inbox:retry", args=[ticket.pk, reply.pk]), HTTP_ACCEPT="application/json"
    )
    assert not_failed.status_code == 400


def test_canned_answers_are_filled_in_and_searchable(op_client):
    ticket = make_ticket(name="Pak Hasan")
    CannedAnswer.objects.create(
        title="Syarat KK baru", body="Halo {nama}, untuk tiket {nomor_tiket}: bawa buku nikah.", shortcut="kk"
    )
    CannedAnswer.objects.create(title="Akta kematian", body="Bawa surat kematian dari RS.")
    CannedAnswer.objects.create(title="Nonaktif", body="lama", is_active=False)
    html = _page(op_client, ticket)
    assert f"Halo Pak Hasan, untuk tiket {ticket.reference}: bawa buku nikah." in html
    assert "Nonaktif" not in html
    found = op_client.get(reverse("inbox:canned", args=[ticket.pk]), {"q": "nikah"}).json()["answers"]
    assert [a["title"] for a in found] == ["Syarat KK baru"]
    assert found[0]["body"].startswith("Halo Pak Hasan")


def test_poll_brings_new_messages_statuses_and_presence(client, operator, operator2):
    ticket = make_ticket()
    reply = outbox.message_reply_create(ticket=ticket, author=operator, body="Baik")
    Message.objects.filter(pk=reply.pk).update(provider_message_id="wamid.uji1")
    client.force_login(operator)
    page = client.get(reverse("inbox:ticket", args=[ticket.pk]))
    after = page.context["last_message_id"]
    # The citizen writes again; the provider reports delivery.
    ticket_ingest(message=inbound(text="Terima kasih, satu lagi"))
    message_status_apply(
        provider=reply.provider,
        provider_message_id="wamid.uji1",
        status="delivered",
        timestamp=timezone.now(),
    )
    data = client.get(reverse("inbox:ticket_poll", args=[ticket.pk]), {"after": after}).json()
    assert len(data["messages"]) == 1 and "Terima kasih, satu lagi" in data["messages"][0]["html"]
    assert f'id="pesan-{data["messages"][0]["id"]}"' in data["messages"][0]["html"]
    assert data["statuses"][str(reply.pk)]["status"] == "delivered"
    assert data["statuses"][str(reply.pk)]["label"] == "Sampai"
    # A second operator opens the ticket and types: the first sees it.
    other = client.__class__()
    other.force_login(operator2)
    other.get(reverse("inbox:ticket", args=[ticket.pk]))
    data = client.get(reverse("inbox:ticket_poll", args=[ticket.pk]), {"after": after + 1}).json()
    assert data["presence"] == [{"name": "Budi Operator", "typing": False}]
    other.post(reverse("inbox:ticket_typing", args=[ticket.pk]), {"typing": "1"})
    data = client.get(reverse("inbox:ticket_poll", args=[ticket.pk]), {"after": after + 1}).json()
    assert data["presence"] == [{"name": "Budi Operator", "typing": True}]
    assert client.get(reverse("inbox:ticket_poll", args=[ticket.pk]), {"after": "x"}).status_code == 400


def test_attachments_download_only_for_staff_with_safe_headers(client, op_client, official):
    result = ticket_ingest(
        message=inbound(
            text="Foto KK dan surat",
            attachments=(
                InboundAttachment(filename="kk.png", content_type="image/png", content=PNG),
                InboundAttachment(filename="surat.pdf", content_type="application/pdf", content=PDF),
                InboundAttachment(filename="x.html", content_type="image/png", content=b"<html><script>"),
            ),
        )
    )
    png, pdf, html = result.message.attachments.order_by("id")
    page = _page(op_client, result.ticket)
    assert f"/inbox/lampiran/{png.pk}/?inline=1" in page  # image preview through the view
    assert f"/inbox/lampiran/{pdf.pk}/?inline=1" not in page
    assert "Ditolak" in page  # the refused file is listed with its reason, not served
    inline = op_client.get(reverse("inbox:attachment", args=[png.pk]), {"inline": "1"})
    assert inline.status_code == 200 and inline["Content-Type"] == "image/png"
    assert (
        inline["Content-Disposition"].startswith("inline") and inline["X-Content-Type-Options"] == "nosniff"
    )
    assert b"".join(inline.streaming_content) == PNG
    forced = op_client.get(reverse("inbox:attachment", args=[pdf.pk]), {"inline": "1"})
    assert forced["Content-Disposition"].startswith("attachment")
    assert (
        forced["Content-Type"] == "application/octet-stream" and forced["X-Content-Type-Options"] == "nosniff"
    )
    assert op_client.get(reverse("inbox:attachment", args=[html.pk])).status_code == 404
    client.force_login(official)
    assert client.get(reverse("inbox:attachment", args=[png.pk])).status_code == 403


def _timeline_of(ticket, operator, count: int) -> None:
    for n in range(count):
        kind = n % 3
        if kind == 0:
            ticket_ingest(message=inbound(text=f"pesan warga {n}"))
        elif kind == 1:
            outbox.message_reply_create(ticket=ticket, author=operator, body=f"balasan {n}")
        else:
            notes.message_note_create(ticket=ticket, author=operator, body=f"catatan {n}")


def _ticket_page_queries(client, ticket) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("inbox:ticket", args=[ticket.pk]))
    assert response.status_code == 200
    return len(ctx.captured_queries), len(response.context["timeline"])


# the user with their official record, their groups (roles), ticket, escalations and their history (2, shared by the timeline and the
# escalation panel), messages, their attachments, identities, read-state upsert and the audit-log
# row in one transaction (5: within the test's own transaction, a savepoint and its release, and
# the audit chain's head; on PostgreSQL 6: the chain's advisory lock too),
# other tickets, reply channels (the channel's account), the knowledge panel's suggestion.
INBOX_TICKET_PAGE_QUERIES = 16 + (connection.vendor == "postgresql")
# With an empty cache also the session, canned answers, operators, topics, departments, officials
# (2: with their departments) and the knowledge entries (tickets.refdata).
INBOX_TICKET_PAGE_QUERIES_COLD_CACHE = INBOX_TICKET_PAGE_QUERIES + 7


@pytest.mark.parametrize("count", [5, 50])
def test_ticket_page_query_count_is_pinned(op_client, operator, count):
    ticket = make_ticket()
    CannedAnswer.objects.create(title="Salam", body="Halo {nama}")
    Escalation.objects.create(
        ticket=ticket,
        department=Department.objects.get(code="dafduk"),
        question="?",
        requested_by=operator,
        due_at=timezone.now() + dt.timedelta(days=1),
    )
    _timeline_of(ticket, operator, count - 1)
    cache.clear()
    queries, entries = _ticket_page_queries(op_client, ticket)
    assert entries == count + 1  # the messages and the escalation
    assert queries == INBOX_TICKET_PAGE_QUERIES_COLD_CACHE
    assert _ticket_page_queries(op_client, ticket) == (INBOX_TICKET_PAGE_QUERIES, entries)


# --- the WhatsApp 24-hour window (tester, issue 16) -----------------------------------------------


def test_free_text_outside_the_window_without_a_template_is_refused(
    op_client, django_capture_on_commit_callbacks
):
    """The reply was queued and, in the sandbox, shown as sent: now the composer says free text cannot
    go, the send button is off, and a POST is refused with the reason (nothing queued)."""
    ticket = make_ticket(timestamp=timezone.now() - dt.timedelta(hours=30))
    page = _page(op_client, ticket)
    assert "pesan bebas tidak bisa dikirim lewat kanal ini" in page
    assert 'id="reply-send" disabled' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = op_client.post(
            reverse("inbox:reply", args=[ticket.pk]),
            {"body": "Berkas sudah jadi", "channel": ""},
        )
    assert not Message.objects.filter(ticket=ticket, direction="out", author__isnull=False).exists()
    # The page again, the reason next to the composer and the text still in it.
    assert response.status_code == 400
    assert "Jendela 24 jam sudah tertutup" in response.context["reply_error"]
    assert "pesan bebas tidak bisa dikirim" in response.context["reply_error"]
    assert ">Berkas sudah jadi</textarea>" in response.content.decode()
    api = op_client.post(
        f"/api/v1/tickets/{ticket.pk}/messages/",
        {"direction": "out", "body": "Berkas sudah jadi"},
        content_type="application/json",
    )
    assert api.status_code == 400 and "Jendela 24 jam" in api.content.decode()


def test_a_reply_the_window_refuses_is_never_shown_as_sent(
    op_client, operator, django_capture_on_commit_callbacks
):
    """In the sandbox too: a reply that reaches the relay outside the window without a template
    (queued earlier, or by a path that does not ask first) fails as the provider would refuse it."""
    ticket = make_ticket(timestamp=timezone.now() - dt.timedelta(hours=30))
    with django_capture_on_commit_callbacks(execute=True):
        reply = outbox.message_reply_create(ticket=ticket, author=operator, body="Berkas sudah jadi")
    reply.refresh_from_db()
    assert reply.status == Message.Status.FAILED and reply.error_code == "window_closed"
    assert reply.sent_at is None


def test_outside_the_window_with_a_template_the_template_goes(
    op_client, operator, django_capture_on_commit_callbacks
):
    from ..factories import channel_account

    channel_account(
        "meta_whatsapp", "wa-kantor", config={"reply_template": {"name": "balasan", "language": "id"}}
    )
    ticket = make_ticket(timestamp=timezone.now() - dt.timedelta(hours=30))
    page = _page(op_client, ticket)
    assert "templat yang disetujui akan dikirim sebagai gantinya" in page
    assert 'id="reply-send" disabled' not in page
    with django_capture_on_commit_callbacks(execute=True):
        op_client.post(reverse("inbox:reply", args=[ticket.pk]), {"body": "Berkas sudah jadi", "channel": ""})
    reply = Message.objects.get(ticket=ticket, direction="out", author=operator)
    assert reply.status == Message.Status.SENT and reply.kind == Message.Kind.TEMPLATE
