"""Operator-logged calls (phone and WhatsApp calls answered on a handset) and the page that logs them.

The page's URL lives in tickets/calls/urls.py; until the lead includes it in curhat/urls.py these
tests mount it themselves (the same include line the lead adds)."""

from __future__ import annotations

import uuid

import pytest
from django.urls import include, path

from tests.factories import staff_user
from tickets.calls.services import call_log_record, calls_awaiting_summary
from tickets.models import ContactIdentity, Message, Ticket, Topic

from .webhook_base import TwilioSigning

urlpatterns = [
    path("panggilan/", include("tickets.calls.urls")),
    path("", include("curhat.urls")),
]

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _urls(settings):
    from curhat import urls as root

    mounted = any(getattr(p, "pattern", None) and str(p.pattern) == "panggilan/" for p in root.urlpatterns)
    if not mounted:
        settings.ROOT_URLCONF = __name__


@pytest.fixture
def topic():
    return Topic.objects.create(code="kk", name="Kartu Keluarga")


def _token() -> str:
    return uuid.uuid4().hex


def test_logging_a_handset_call_opens_a_ticket_on_its_channel(topic):
    user = staff_user(group="operator")
    ticket = call_log_record(
        channel="whatsapp_call",
        caller_number="0812-3456-7890",
        caller_name="Pak Anwar",
        topic=topic,
        summary="Tanya syarat KK baru setelah menikah",
        duration_seconds=240,
        outcome="answered",
        author=user,
        idempotency_token=_token(),
    )
    assert (ticket.channel, ticket.topic) == ("whatsapp_call", topic)
    message = ticket.messages.get()
    assert (message.kind, message.provider, message.body) == (
        "call",
        "operator",
        "Tanya syarat KK baru setelah menikah",
    )
    assert message.meta["call"] == {"duration_seconds": 240, "outcome": "answered"}
    assert message.meta["operator_log"]["logged_by"] == user.pk
    assert ContactIdentity.objects.get().value == "+6281234567890"


def test_double_submit_records_the_call_once(topic):
    token = _token()
    kwargs = dict(
        channel="phone", caller_number="081234567890", summary="Tanya KTP-el", idempotency_token=token
    )
    first = call_log_record(**kwargs)
    second = call_log_record(**kwargs)
    assert first == second and Ticket.objects.count() == 1 and Message.objects.count() == 1


class TestVoiceCallSummarizedNotCountedTwice(TwilioSigning):
    provider = "twilio_voice"
    channel = "phone"
    sample = "incoming"

    def account_config(self):
        return {"office_days": []}

    def test_the_operator_summarizes_the_voice_call_on_its_own_ticket(self, client, account, topic):
        assert self.post(client, "incoming").status_code == 200
        call = calls_awaiting_summary().get()
        user = staff_user(group="operator")
        ticket = call_log_record(
            channel="phone",
            caller_number="",
            topic=topic,
            summary="Menanyakan surat pindah",
            outcome="follow_up",
            author=user,
            idempotency_token=_token(),
            call_message=call,
        )
        assert Ticket.objects.count() == 1 and ticket == call.ticket
        ticket.refresh_from_db()
        assert ticket.topic == topic
        note = ticket.messages.get(direction="note")
        assert note.body == "Menanyakan surat pindah" and note.author == user
        assert not calls_awaiting_summary().exists()

    # The page itself ------------------------------------------------------------------------------
    def test_page_is_for_operators(self, client, account):
        response = client.get("/panggilan/catat/")
        assert response.status_code == 302 and "/masuk/" in response["Location"]
        # Django-admin staff status is not a role: without the operator (or admin) group, 403.
        client.force_login(staff_user())
        assert client.get("/panggilan/catat/").status_code == 403
        client.force_login(staff_user(group="official"))
        assert client.get("/panggilan/catat/").status_code == 403

    def test_page_logs_a_new_call_in_bahasa_indonesia(self, client, account, topic):
        client.force_login(staff_user(group="operator"))
        page = client.get("/panggilan/catat/")
        assert page.status_code == 200
        html = page.content.decode()
        assert "Catat panggilan" in html and "Nomor penelepon" in html and "WhatsApp Telepon" in html
        token = page.context["form"].initial["token"]
        data = {
            "channel": "whatsapp_call",
            "caller_number": "0811 415 000",
            "caller_name": "Bu Rahma",
            "topic": topic.pk,
            "summary": "Akta kelahiran anak <script>alert(1)</script>",
            "duration_minutes": "5",
            "outcome": "answered",
            "token": token,
        }
        response = client.post("/panggilan/catat/", data, follow=True)
        assert response.status_code == 200
        ticket = Ticket.objects.get()
        assert f"Panggilan tercatat pada tiket {ticket.reference}" in response.content.decode()
        assert (
            ticket.channel == "whatsapp_call"
            and ticket.messages.get().meta["call"]["duration_seconds"] == 300
        )
        client.post("/panggilan/catat/", data)  # the same form again (double click)
        assert Ticket.objects.count() == 1

    def test_page_attaches_to_the_voice_call_and_does_not_open_a_second_ticket(self, client, account, topic):
        self.post(client, "incoming")
        client.force_login(staff_user(group="operator"))
        page = client.get("/panggilan/catat/")
        call = Message.objects.get(kind="call")
        assert call.ticket.reference in page.content.decode()
        response = client.post(
            "/panggilan/catat/",
            {
                "existing_call": call.pk,
                "channel": "phone",
                "summary": "Sudah dijelaskan syarat pindah",
                "outcome": "answered",
                "topic": topic.pk,
                "token": page.context["form"].initial["token"],
            },
        )
        assert response.status_code == 302
        assert Ticket.objects.count() == 1
        assert Ticket.objects.get().topic == topic

    def test_page_requires_a_number_for_a_new_call(self, client, account):
        client.force_login(staff_user(group="operator"))
        token = client.get("/panggilan/catat/").context["form"].initial["token"]
        response = client.post(
            "/panggilan/catat/", {"channel": "phone", "summary": "x", "outcome": "answered", "token": token}
        )
        assert response.status_code == 200
        assert "Isi nomor penelepon" in response.content.decode()
        assert Ticket.objects.count() == 0
