"""Personal-data protection: NIK index and linking, masked logs, the append-only audit log,
retention, and the data subject's export and erasure."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import zipfile

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone

from tickets.inbound import InboundAttachment
from tickets.ingest import ticket_ingest
from tickets.models import (
    Attachment,
    AuditEvent,
    Contact,
    ContactIdentity,
    Message,
    NumberMention,
    RetentionPolicy,
    Ticket,
)
from tickets.privacy.audit import audit_record
from tickets.privacy.subjects import (
    ERASED_TEXT,
    SubjectQuery,
    retention_sweep,
    subject_contacts,
    subject_erase,
    subject_export,
    tickets_sharing_numbers,
)
from tickets.reference_data import reference_data_seed

from ..factories import inbound, staff_user
from ..test_ingest import PNG

pytestmark = pytest.mark.django_db

NIK = "7372014507900001"


def test_nik_mentions_link_tickets_of_the_same_person():
    a = ticket_ingest(message=inbound(sender="081211110001", text=f"NIK saya {NIK}, KK hilang")).ticket
    b = ticket_ingest(
        message=inbound(
            channel="email",
            provider="email_imap",
            sender_kind="email",
            sender="x@example.com",
            provider_message_id="<n@x>",
            text="Data saya: 7372 0145 0790 0001",
        )
    ).ticket
    c = ticket_ingest(message=inbound(sender="081211110003", text="tanpa nomor")).ticket
    assert list(tickets_sharing_numbers(ticket=a)) == [b]
    assert list(tickets_sharing_numbers(ticket=c)) == []
    mention = NumberMention.objects.filter(ticket=a).get()
    assert mention.masked == "737201******0001" and NIK not in mention.digest


def test_logs_never_carry_a_whole_nik(caplog):
    from curhat.logging import MaskPersonalNumbers

    logger = logging.getLogger("curhat.test")
    logger.addFilter(MaskPersonalNumbers())
    with caplog.at_level(logging.INFO, logger="curhat.test"):
        logger.info("ingested %s", f"pesan dengan NIK {NIK}")
    assert NIK not in caplog.text and "737201******0001" in caplog.text


def test_audit_log_is_append_only():
    event = audit_record(action=AuditEvent.Action.EXPORT, detail={"what": "tally"})
    event.detail = {"what": "changed"}
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    assert AuditEvent.objects.get().detail == {"what": "tally"}


@pytest.mark.postgres
def test_audit_rows_cannot_be_changed_even_with_sql():
    from django.db import DatabaseError, transaction

    audit_record(action=AuditEvent.Action.EXPORT)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE tickets_auditevent SET actor_name = 'someone else'")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM tickets_auditevent")
    assert AuditEvent.objects.count() == 1


def test_permission_changes_are_audited():
    reference_data_seed()
    user = staff_user("calon.admin")
    user.groups.add(Group.objects.get(name="admin"))
    user.is_superuser = True
    user.save()
    events = list(AuditEvent.objects.filter(action=AuditEvent.Action.PERMISSION).order_by("at", "id"))
    assert events[0].detail["groups"] == ["admin"]
    assert events[-1].detail["is_superuser"] == [False, True]


def _closed_ticket(sender: str, text: str, *, days_ago: int, channel="whatsapp", attachments=()):
    when = timezone.now() - dt.timedelta(days=days_ago)
    result = ticket_ingest(
        message=inbound(sender=sender, text=text, timestamp=when, channel=channel, attachments=attachments)
    )
    Ticket.objects.filter(pk=result.ticket.pk).update(
        status=Ticket.Status.CLOSED, closed_at=when, last_activity_at=when
    )
    return Ticket.objects.get(pk=result.ticket.pk)


def test_retention_anonymizes_expired_tickets_and_keeps_the_counts(settings):
    settings.CURHAT_RETENTION_DAYS = 365
    RetentionPolicy.objects.create(channel="email", days=30)
    old = _closed_ticket(
        "081233330001",
        f"NIK {NIK} mohon dibantu",
        days_ago=400,
        attachments=(InboundAttachment(filename="ktp.png", content_type="image/png", content=PNG),),
    )
    recent = _closed_ticket("081233330002", "baru minggu lalu", days_ago=100)
    email = ticket_ingest(
        message=inbound(
            channel="email",
            provider="email_imap",
            sender_kind="email",
            sender="lama@example.com",
            provider_message_id="<r@x>",
            timestamp=timezone.now() - dt.timedelta(days=40),
        )
    ).ticket
    Ticket.objects.filter(pk=email.pk).update(status=Ticket.Status.RESOLVED)
    open_old = ticket_ingest(
        message=inbound(sender="081233330004", timestamp=timezone.now() - dt.timedelta(days=900))
    ).ticket
    stored_file = Attachment.objects.get(message__ticket=old).file.path
    counts_before = sorted(Ticket.objects.values_list("channel", "created_at"))

    assert retention_sweep() == 2
    old.refresh_from_db()
    assert old.anonymized_at is not None
    assert set(Message.objects.filter(ticket=old).values_list("body", flat=True)) == {ERASED_TEXT}
    assert not NumberMention.objects.filter(ticket=old).exists()
    attachment = Attachment.objects.get(message__ticket=old)
    assert not attachment.file and attachment.original_name == ""
    import os

    assert not os.path.exists(stored_file)
    assert not ContactIdentity.objects.filter(value="+6281233330001").exists()
    assert Contact.objects.get(pk=old.contact_id).name == ""
    assert Ticket.objects.get(pk=email.pk).anonymized_at is not None  # the 30-day e-mail policy
    assert Ticket.objects.get(pk=recent.pk).anonymized_at is None
    assert Ticket.objects.get(pk=open_old.pk).anonymized_at is None  # never while still open
    # The tally's inputs are untouched: same tickets, channels and opening times.
    assert sorted(Ticket.objects.values_list("channel", "created_at")) == counts_before
    assert AuditEvent.objects.filter(action=AuditEvent.Action.RETENTION).count() == 2
    assert retention_sweep() == 0  # idempotent


def test_subject_export_has_everything_and_is_audited():
    admin = staff_user("adm", group="admin")
    first = ticket_ingest(
        message=inbound(
            sender="0812-4444-0001",
            name="Bu Ani",
            text=f"NIK {NIK}",
            attachments=(InboundAttachment(filename="kk.png", content_type="image/png", content=PNG),),
        )
    ).ticket
    Message.objects.create(
        ticket=first, direction="note", channel="whatsapp", body="catatan internal", status="received"
    )
    other = ticket_ingest(
        message=inbound(
            channel="email",
            provider="email_imap",
            sender_kind="email",
            sender="ani@example.com",
            provider_message_id="<ani@x>",
            text=f"NIK saya {NIK}",
        )
    ).ticket
    contacts = subject_contacts(query=SubjectQuery(nik=NIK))
    assert {c.pk for c in contacts} == {first.contact_id, other.contact_id}
    archive = zipfile.ZipFile(io.BytesIO(subject_export(contacts=contacts, actor=admin)))
    data = json.loads(archive.read("data.json"))
    assert {t["reference"] for t in data["tickets"]} == {first.reference, other.reference}
    bodies = [m["body"] for t in data["tickets"] for m in t["messages"]]
    assert "catatan internal" not in bodies
    assert any(name.startswith("lampiran/") and name.endswith("kk.png") for name in archive.namelist())
    event = AuditEvent.objects.get(action=AuditEvent.Action.SUBJECT_EXPORT)
    assert event.actor == admin and set(event.detail["tickets"]) == {first.reference, other.reference}


def test_subject_erase_removes_data_but_not_the_counts():
    admin = staff_user("adm", group="admin")
    ticket = ticket_ingest(
        message=inbound(sender="081255550001", name="Pak Budi", text="KK saya hilang")
    ).ticket
    total = Ticket.objects.count()
    contacts = subject_contacts(query=SubjectQuery(phone="0812-5555-0001"))
    assert subject_erase(contacts=contacts, actor=admin) == 1
    ticket.refresh_from_db()
    assert Ticket.objects.count() == total and ticket.anonymized_at is not None
    assert Message.objects.get(ticket=ticket).body == ERASED_TEXT
    assert subject_contacts(query=SubjectQuery(phone="0812-5555-0001")) == []
    assert AuditEvent.objects.filter(action=AuditEvent.Action.SUBJECT_ERASE, actor=admin).exists()


def test_subject_pages_are_admin_only_and_work(client):
    reference_data_seed()
    ticket_ingest(message=inbound(sender="081266660001", text="Tolong"))
    operator = staff_user("op", group="operator")
    client.force_login(operator)
    assert client.get("/privasi-data/").status_code == 403
    admin = staff_user("adm", group="admin")
    client.force_login(admin)
    page = client.post("/privasi-data/", {"phone": "081266660001"})
    assert page.status_code == 200 and "+6281266660001" in page.content.decode()
    bad = client.post("/privasi-data/", {"nik": "1234"})
    assert "NIK tidak valid" in bad.content.decode()
    contact_id = Contact.objects.get().pk
    response = client.post("/privasi-data/ekspor/", {"contact": [contact_id]})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    refused = client.post("/privasi-data/hapus/", {"contact": [contact_id], "confirm": "ya"})
    assert refused.status_code == 302 and Ticket.objects.get().anonymized_at is None
    client.post("/privasi-data/hapus/", {"contact": [contact_id], "confirm": "HAPUS"})
    assert Ticket.objects.get().anonymized_at is not None


def test_admins_read_and_export_the_audit_log_and_the_export_is_audited(client):
    audit_record(action=AuditEvent.Action.EXPORT, detail={"what": "tally"})
    admin = staff_user("adm", group="admin", superuser=True)
    client.force_login(admin)
    assert client.get("/admin/tickets/auditevent/").status_code == 200
    response = client.post(
        "/admin/tickets/auditevent/",
        {"action": "export_csv", "_selected_action": list(AuditEvent.objects.values_list("pk", flat=True))},
    )
    assert response.status_code == 200 and b"tally" in response.content
    assert AuditEvent.objects.filter(action=AuditEvent.Action.AUDIT_EXPORT, actor=admin).exists()
    # Nobody edits or deletes audit rows through the admin.
    event = AuditEvent.objects.first()
    assert client.post(f"/admin/tickets/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
