"""A citizen's words are stored as received and rendered inert everywhere: `<script>` and HTML sent
through every channel appear escaped on the operator's ticket page, the official's escalation page and
the public tracking page, and never as markup."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from channels.providers.email.parse import mail_parse
from channels.signatures import meta_signature, twilio_signature
from officials.services import escalation_create
from tickets.ingest import ticket_ingest
from tickets.models import Department, Message, Official, Ticket, Topic
from tickets.reference_data import reference_data_seed

from .factories import channel_account, staff_user

pytestmark = pytest.mark.django_db

PAYLOAD = '<script>alert("xss")</script><img src=x onerror="alert(1)"><b>tebal</b>'
RAW_MARKERS = ("<script>alert", "<img src=x", "<b>tebal</b>")


@pytest.fixture
def accounts(settings):
    settings.PUBLIC_BASE_URL = "https://curhat.example.go.id"
    settings.CURHAT_AUTOACK_ENABLED = False
    reference_data_seed()
    return {
        "meta": channel_account("meta_whatsapp", "wa"),
        "twilio": channel_account("twilio_whatsapp", "tw"),
        "messenger": channel_account("messenger", "fb"),
    }


def _via_meta(client) -> None:
    body = json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "1",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {"display_phone_number": "62811415227", "phone_number_id": "1"},
                                "contacts": [{"profile": {"name": "<i>Nama</i>"}, "wa_id": "6281200000001"}],
                                "messages": [
                                    {
                                        "from": "6281200000001",
                                        "id": f"wamid.{uuid.uuid4().hex}",
                                        "timestamp": "1764300000",
                                        "type": "text",
                                        "text": {"body": PAYLOAD},
                                    }
                                ],
                            },
                        }
                    ],
                }
            ],
        }
    ).encode()
    response = client.post(
        "/webhooks/meta_whatsapp/wa/",
        body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": meta_signature(body, "s")},
    )
    assert response.status_code == 200


def _via_twilio(client) -> None:
    params = {
        "MessageSid": "SM" + uuid.uuid4().hex,
        "AccountSid": "AC" + "0" * 32,
        "From": "whatsapp:+6281200000002",
        "To": "whatsapp:+62811415227",
        "Body": PAYLOAD,
        "NumMedia": "0",
        "WaId": "6281200000002",
        "ProfileName": "Warga",
    }
    path = "/webhooks/twilio_whatsapp/tw/"
    signature = twilio_signature(url="https://curhat.example.go.id" + path, params=params, auth_token="t")
    response = client.post(
        path,
        urlencode(params),
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": signature},
    )
    assert response.status_code == 200, response.content


def _via_messenger(client) -> None:
    body = json.dumps(
        {
            "object": "page",
            "entry": [
                {
                    "id": "2",
                    "time": 1764300000000,
                    "messaging": [
                        {
                            "sender": {"id": "24536475869701234"},
                            "recipient": {"id": "2"},
                            "timestamp": 1764300000000,
                            "message": {"mid": "m_" + uuid.uuid4().hex, "text": PAYLOAD},
                        }
                    ],
                }
            ],
        }
    ).encode()
    response = client.post(
        "/webhooks/messenger/fb/",
        body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": meta_signature(body, "s")},
    )
    assert response.status_code == 200


def _via_email(client) -> None:
    raw = (
        "From: Warga <warga@example.com>\r\nTo: curhat@example.org\r\nSubject: <script>x</script>\r\n"
        f"Message-ID: <{uuid.uuid4().hex}@example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{PAYLOAD}\r\n"
    ).encode()
    parsed = mail_parse(raw, provider="email_imap", received_at=timezone.now())
    assert parsed.message is not None, parsed.ignored_reason
    ticket_ingest(message=parsed.message)


def _via_website(client) -> None:
    page = client.get("/tanya/")
    submission = page.context["form"]["submission"].value()
    response = client.post(
        "/tanya/",
        {
            "name": "<b>Warga</b>",
            "phone": "081200000005",
            "email": "",
            "topic": Topic.objects.get(code="lainnya").pk,
            "message": PAYLOAD,
            "consent": "on",
            "submission": submission,
            "website": "",
        },
    )
    assert response.status_code in (200, 302), [e for e in response.context["form"].errors.items()]


CHANNELS = {
    "meta": _via_meta,
    "twilio": _via_twilio,
    "messenger": _via_messenger,
    "email": _via_email,
    "website": _via_website,
}


def _assert_inert(html: str, where: str) -> None:
    for marker in RAW_MARKERS:
        assert marker not in html, f"{where}: {marker!r} rendered as markup"
    assert "&lt;script&gt;" in html, f"{where}: the citizen's text is not shown escaped"


@pytest.mark.parametrize("channel", sorted(CHANNELS))
def test_html_from_every_channel_renders_inert(client, accounts, channel):
    CHANNELS[channel](client)
    message = Message.objects.filter(direction="in").latest("id")
    assert message.body.strip() == PAYLOAD  # stored exactly as received
    ticket = message.ticket

    operator = staff_user("op", group="operator")
    client.force_login(operator)
    _assert_inert(client.get(f"/inbox/tiket/{ticket.pk}/").content.decode(), "ticket page")
    poll = client.get(f"/inbox/tiket/{ticket.pk}/kabar/", {"after": 0})
    if poll.status_code == 200 and poll.get("Content-Type", "").startswith("text/html"):
        _assert_inert(poll.content.decode(), "ticket poll")

    official_user = staff_user("kabid", group="official")
    official = Official.objects.create(user=official_user)
    capil = Department.objects.get(code="capil")
    official.departments.add(capil)
    escalation = escalation_create(
        ticket=ticket, department=capil, question=f"Mohon cek: {PAYLOAD}", requested_by=operator
    )
    client.force_login(official_user)
    _assert_inert(client.get(f"/pejabat/eskalasi/{escalation.pk}/").content.decode(), "official's page")

    client.logout()
    Ticket.objects.filter(pk=ticket.pk).update(last_activity_at=timezone.now() - dt.timedelta(minutes=1))
    _assert_inert(client.get(f"/lacak/{ticket.tracking_token}/").content.decode(), "tracking page")
