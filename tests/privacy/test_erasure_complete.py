"""Issue 15 item 2: after erasure, nothing of the citizen is left anywhere we write.

One citizen's data is put into every table that can hold it through the app's own paths (signed
WhatsApp webhooks from Meta and Twilio, Messenger, an e-mail through the ESP webhook, the website form
with an attachment, an operator's reply, escalations with a returned note and an official's answer
relayed to the citizen, the exports), then erased, once through the data-subject tool and once
through retention. The whole database is then dumped (SQLite: iterdump; PostgreSQL: pg_dump, every
table and column, bytea decoded) and the upload folder walked: their name, phone (+62…, 62…, 08…),
e-mail and NIK appear nowhere (README, "Personal data": the tally keeps counting the anonymous
tickets; the audit log never held personal data)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from channels import simulation
from channels.models import ChannelAccount, InboundEvent
from officials import services as escalations
from officials.models import Escalation, EscalationEvent
from tickets.models import Attachment, AuditEvent, Department, Message, Official, Ticket, Topic
from tickets.privacy.chain import audit_chain_verify
from tickets.privacy.subjects import SubjectQuery, retention_sweep, subject_contacts
from tickets.relay.outbox import message_reply_create

from ..factories import staff_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.website.urls")]

NAME = "Sittirahma Daengmasiga"
PHONE = "+6281355501234"
EMAIL = "sittirahma.daeng@contoh-warga.id"
NIK = "7372015203850002"
FORBIDDEN = {
    "name": "sittirahma",
    "surname": "daengmasiga",
    "phone (national)": "81355501234",  # inside +6281355501234, 6281355501234 and 081355501234
    "email": EMAIL,
    "email (url-encoded)": EMAIL.replace("@", "%40"),
    "nik": NIK,
    "nik (grouped)": "7372 0152 0385 0002",
}
BASIC = "kantor:rahasia-webhook"
PUBLIC_BASE_URL = "https://curhat.example.go.id"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
    b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\xbd\xfa\x00\x00\x00\x00IEND\xaeB`\x82"
)
POSTMARK = Path(__file__).resolve().parent.parent / "fixtures" / "anymail" / "postmark_inbound.json"


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.PUBLIC_BASE_URL = PUBLIC_BASE_URL
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": [BASIC]}
    settings.CURHAT_SANDBOX = True


def _post(client, signed: simulation.SignedWebhook):
    headers = {k: v for k, v in signed.headers.items() if k != "Content-Type"}
    response = client.post(
        signed.path, data=signed.body, content_type=signed.headers["Content-Type"], headers=headers
    )
    assert response.status_code == 200, response.content


def _citizen_everywhere(client) -> None:
    """Every path by which the citizen's data comes in, or is copied, once."""
    wa = ChannelAccount.objects.create(
        slug="wa-meta",
        name="WA",
        channel="whatsapp",
        provider="meta_whatsapp",
        address="109876543210",
        secrets={"app_secret": ["rahasia-meta"]},
    )
    tw = ChannelAccount.objects.create(
        slug="wa-twilio",
        name="WA Twilio",
        channel="whatsapp",
        provider="twilio_whatsapp",
        address="+62811415227",
        secrets={"auth_token": ["rahasia-twilio"]},
    )
    fb = ChannelAccount.objects.create(
        slug="fb",
        name="FB",
        channel="facebook",
        provider="messenger",
        address="104857600000001",
        secrets={"app_secret": ["rahasia-fb"], "verify_token": ["v"]},
    )
    ChannelAccount.objects.create(
        slug="email-esp",
        name="Email",
        channel="email",
        provider="email_anymail",
        address="curhat@kantor.test",
    )
    text = f"Saya {NAME}, NIK {NIK}, HP 0813-5550-1234, email {EMAIL}. Syarat KK baru?"
    _post(client, simulation.meta_whatsapp_text(wa, sender=PHONE, text=text, name=NAME))
    _post(client, simulation.twilio_whatsapp_text(tw, sender=PHONE, text=f"Ini {NAME} lagi", name=NAME))
    _post(client, simulation.messenger_text(fb, sender="2400000000009876", text=f"{NAME} NIK {NIK}"))
    mail = json.loads(POSTMARK.read_text())
    mail.update(
        FromName=NAME,
        From=EMAIL,
        FromFull={"Email": EMAIL, "Name": NAME, "MailboxHash": ""},
        Subject=f"KTP {NAME}",
        TextBody=f"NIK saya {NIK}, telepon {PHONE}",
        HtmlBody=f"<p>{NAME}</p>",
        MessageID="c0ffee00-1111-2222-3333-444455556666",
    )
    mail["Headers"] = [{"Name": "Return-Path", "Value": f"<{EMAIL}>"}]
    auth = "Basic " + base64.b64encode(BASIC.encode()).decode()
    response = client.post(
        "/webhooks/anymail/postmark/inbound/",
        json.dumps(mail),
        content_type="application/json",
        HTTP_AUTHORIZATION=auth,
    )
    assert response.status_code == 200, response.content
    topic = Topic.objects.create(code="kk-uji", name="Kartu Keluarga")
    response = client.post(
        "/tanya/",
        {
            "name": NAME,
            "phone": "0813 5550 1234",
            "email": EMAIL,
            "topic": str(topic.pk),
            "message": f"NIK {NIK}, mohon dibantu",
            "consent": "on",
            "website": "",
            "submission": "6f1c3a52-2b7e-4c1e-9d7a-000000000001",
            "attachments": SimpleUploadedFile(f"ktp-{NAME}-{NIK}.png", PNG, content_type="image/png"),
        },
        REMOTE_ADDR="203.0.113.7",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Attachment.objects.exclude(file="").exists()

    operator = staff_user("operator.erasure", group="operator")
    admin = staff_user("admin.erasure", group="admin")
    ticket = Ticket.objects.filter(channel="whatsapp").order_by("pk")[0]
    message_reply_create(ticket=ticket, author=operator, body=f"Baik Ibu {NAME}, NIK {NIK} sudah kami catat.")
    department = Department.objects.create(code="dafduk-uji", name="Dafduk")
    official_user = staff_user("kabid.erasure", group="official")
    Official.objects.create(user=official_user).departments.add(department)
    returned = escalations.escalation_create(
        ticket=ticket, department=department, question=f"{NAME} ({NIK}) minta KK", requested_by=operator
    )
    escalations.escalation_return(
        escalation=returned, user=official_user, note=f"Perlu nomor KK {NAME}, hubungi {PHONE}"
    )
    answered = escalations.escalation_create(
        ticket=ticket,
        department=department,
        question=f"Lagi: NIK {NIK} HP 081355501234",
        requested_by=operator,
    )
    escalations.escalation_answer(escalation=answered, user=official_user, answer=f"Ibu {NAME} datang Senin.")
    assert EscalationEvent.objects.exclude(note="").exists()
    assert Message.objects.filter(direction="out", body__contains="Senin").exists()

    # The operator folds the e-mail contact into the WhatsApp one: the merged contact stays as a pointer
    # (merged_into) with its name, and must be erased with the contact it was merged into.
    email_ticket = Ticket.objects.filter(channel="email").order_by("pk")[0]
    merged = email_ticket.contact
    client.force_login(operator)
    response = client.post(f"/inbox/tiket/{ticket.pk}/gabung-kontak/", {"reference": email_ticket.reference})
    assert response.status_code == 302, response.content.decode()[:500]
    merged.refresh_from_db()
    assert merged.merged_into_id == ticket.contact_id and merged.name == NAME

    client.force_login(admin)
    assert client.get(f"/inbox/tiket/{ticket.pk}/").status_code == 200
    assert (
        client.post(
            "/laporan/tiket/",
            {"dari": "2025-01-01", "sampai": "2028-12-31", "format": "xlsx", "data_pribadi": "on"},
        ).status_code
        == 200
    )
    contacts = subject_contacts(query=SubjectQuery(phone=PHONE, email=EMAIL, nik=NIK))
    assert len(contacts) >= 3
    response = client.post("/privasi-data/ekspor/", {"contact": [c.pk for c in contacts]})
    assert response.status_code == 200
    client.logout()
    assert InboundEvent.objects.count() >= 3


def _database_text() -> str:
    """The whole database as text: every table, every column; binary values decoded."""
    if connection.vendor == "postgresql":
        params = connection.get_connection_params()
        dump = subprocess.run(
            [
                "pg_dump",
                "--data-only",
                "--no-owner",
                "-h",
                params.get("host") or "127.0.0.1",
                "-p",
                str(params.get("port") or 5432),
                "-U",
                params.get("user") or "postgres",
                params["dbname"],
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        ).stdout
        hex_values = re.findall(r"\\\\x([0-9a-f]+)", dump)
    else:
        dump = "\n".join(connection.connection.iterdump())
        hex_values = re.findall(r"X'([0-9a-fA-F]+)'", dump)
    decoded = [binascii.unhexlify(h).decode("utf-8", errors="replace") for h in hex_values if len(h) % 2 == 0]
    return (dump + "\n" + "\n".join(decoded)).lower()


def _files_text() -> str:
    root = Path(settings.MEDIA_ROOT)
    parts = []
    for path in root.rglob("*") if root.exists() else []:
        parts.append(str(path.relative_to(root)))
        if path.is_file():
            parts.append(path.read_bytes().decode("utf-8", errors="replace"))
    return "\n".join(parts).lower()


def _hits(text: str) -> list[str]:
    hits = []
    for label, needle in FORBIDDEN.items():
        for match in re.finditer(re.escape(needle.lower()), text):
            hits.append(f"{label}: …{text[max(0, match.start() - 120) : match.end() + 60]}…")
    return hits


def _counts() -> list:
    return sorted(Ticket.objects.values_list("channel", "created_at"))


def test_the_data_subject_tool_leaves_nothing(client):
    _citizen_everywhere(client)
    assert _hits(_database_text()), "the test must see the citizen before erasure"
    counts = _counts()
    client.force_login(staff_user("admin.hapus", group="admin"))
    contacts = subject_contacts(query=SubjectQuery(phone=PHONE, email=EMAIL, nik=NIK))
    response = client.post("/privasi-data/hapus/", {"contact": [c.pk for c in contacts], "confirm": "HAPUS"})
    assert response.status_code == 302
    assert _hits(_database_text()) == []
    assert _hits(_files_text()) == []
    assert not InboundEvent.objects.exists()
    assert set(Escalation.objects.values_list("question", flat=True)) == {"[dihapus]"}
    assert _counts() == counts  # the tally per channel is unchanged
    assert audit_chain_verify().ok
    assert AuditEvent.objects.filter(action=AuditEvent.Action.SUBJECT_ERASE).exists()


def test_retention_leaves_nothing(client, settings):
    settings.CURHAT_RETENTION_DAYS = 30
    _citizen_everywhere(client)
    counts = _counts()
    Ticket.objects.update(status=Ticket.Status.CLOSED)
    assert retention_sweep(now=timezone.now() + dt.timedelta(days=400)) == Ticket.objects.count()
    assert _hits(_database_text()) == []
    assert _hits(_files_text()) == []
    assert _counts() == counts
    assert audit_chain_verify().ok
