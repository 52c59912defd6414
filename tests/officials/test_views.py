"""The officials' pages and the operators' escalation actions, through the test client, per role."""

from __future__ import annotations

import pytest
from django.urls import reverse

from officials.models import Escalation
from officials.services import escalation_create
from tickets.ingest import ticket_ingest
from tickets.models import Department, Message, Ticket

from ..factories import inbound

pytestmark = pytest.mark.django_db


@pytest.fixture
def escalated(office):
    capil_ticket = ticket_ingest(message=inbound(text="Pembetulan akta <script>alert(1)</script>")).ticket
    piak_ticket = ticket_ingest(message=inbound(text="NIK tidak ditemukan", sender="081311112222")).ticket
    capil = escalation_create(
        ticket=capil_ticket,
        department=Department.objects.get(code="capil"),
        question="Perlu penetapan pengadilan?",
        requested_by=office["operator"],
    )
    piak = escalation_create(
        ticket=piak_ticket,
        department=Department.objects.get(code="piak"),
        question="Cek NIK di SIAK",
        requested_by=office["operator"],
    )
    return {**office, "esc_capil": capil, "esc_piak": piak}


def _login(client, user):
    client.force_login(user)
    return client


def test_official_sees_only_their_departments_queue(client, escalated):
    _login(client, escalated["capil"].user)
    page = client.get(reverse("officials:queue")).content.decode()
    assert escalated["esc_capil"].ticket.reference in page
    assert escalated["esc_piak"].ticket.reference not in page
    assert client.get(reverse("officials:detail", args=[escalated["esc_piak"].pk])).status_code == 404
    detail = client.get(reverse("officials:detail", args=[escalated["esc_capil"].pk]))
    assert detail.status_code == 200
    body = detail.content.decode()
    assert "Perlu penetapan pengadilan?" in body
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body  # escaped


def test_officials_cannot_use_operator_actions_and_operators_not_the_queue(client, escalated):
    official = escalated["capil"].user
    _login(client, official)
    ticket = escalated["esc_capil"].ticket
    assert client.get(reverse("officials:ticket_escalations", args=[ticket.pk])).status_code == 403
    assert (
        client.post(
            reverse("officials:escalate", args=[ticket.pk]), {"department": 1, "question": "x"}
        ).status_code
        == 403
    )
    assert client.post(reverse("officials:approve", args=[escalated["esc_capil"].pk])).status_code == 403
    _login(client, escalated["operator"])
    assert client.get(reverse("officials:queue")).status_code == 403
    assert client.get(reverse("officials:detail", args=[escalated["esc_capil"].pk])).status_code == 403
    client.logout()
    response = client.get(reverse("officials:queue"))
    assert response.status_code == 302 and "/masuk/" in response["Location"]


def test_official_answers_from_the_web_and_it_is_relayed(
    client, escalated, django_capture_on_commit_callbacks
):
    _login(client, escalated["capil"].user)
    url = reverse("officials:detail", args=[escalated["esc_capil"].pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "answer", "answer-answer": "Tidak perlu, cukup ke Capil."})
    assert response.status_code == 302
    escalation = Escalation.objects.get(pk=escalated["esc_capil"].pk)
    assert escalation.status == "answered"
    assert Message.objects.filter(
        ticket=escalation.ticket, direction="out", body="Tidak perlu, cukup ke Capil."
    ).exists()


def test_empty_answer_is_a_form_error_in_indonesian(client, escalated):
    _login(client, escalated["capil"].user)
    response = client.post(
        reverse("officials:detail", args=[escalated["esc_capil"].pk]),
        {"action": "answer", "answer-answer": ""},
    )
    assert response.status_code == 400
    body = response.content.decode()
    # "Bidang" means a department in this app: the error says what is missing, in the official's words,
    # next to the answer box and tied to it for screen readers.
    assert "Bidang ini harus diisi." not in body
    assert '<p class="field-error" id="answer-error">Jawaban belum diisi.</p>' in body
    assert 'aria-describedby="answer-error answer-count"' in body and 'aria-invalid="true"' in body
    assert body.index('id="answer-error"') < body.index("Kirim jawaban")
    assert Escalation.objects.get(pk=escalated["esc_capil"].pk).status == "open"


def test_empty_return_note_is_an_error_next_to_its_field(client, escalated):
    _login(client, escalated["capil"].user)
    response = client.post(
        reverse("officials:detail", args=[escalated["esc_capil"].pk]),
        {"action": "return", "return-note": "  "},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert '<p class="field-error" id="return-error">Tuliskan apa yang perlu dilengkapi operator.</p>' in body
    assert "Bidang ini harus diisi." not in body


def test_official_returns_with_a_note(client, escalated):
    _login(client, escalated["capil"].user)
    client.post(
        reverse("officials:detail", args=[escalated["esc_capil"].pk]),
        {"action": "return", "return-note": "Perlu nomor KK"},
    )
    escalation = Escalation.objects.get(pk=escalated["esc_capil"].pk)
    assert escalation.status == "returned" and escalation.return_note == "Perlu nomor KK"


def test_operator_escalates_from_the_ticket_panel(client, escalated):
    ticket = ticket_ingest(message=inbound(text="Cara aktivasi IKD?", sender="081366667777")).ticket
    _login(client, escalated["operator"])
    panel = client.get(reverse("officials:ticket_escalations", args=[ticket.pk]))
    assert panel.status_code == 200 and "Teruskan ke pejabat" in panel.content.decode()
    piak = Department.objects.get(code="piak")
    response = client.post(
        reverse("officials:escalate", args=[ticket.pk]),
        {"department": piak.pk, "official": "", "question": "Mohon bantu aktivasi IKD", "next": "/inbox/x/"},
    )
    assert response.status_code == 302 and response["Location"] == "/inbox/x/"
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.WAITING_OFFICIAL
    assert ticket.escalations.get().official == escalated["piak"]
    # An official of another department is refused with a form error.
    bad = client.post(
        reverse("officials:escalate", args=[ticket.pk]),
        {"department": piak.pk, "official": escalated["capil"].pk, "question": "x"},
    )
    assert bad.status_code == 400 and "bukan dari bidang ini" in bad.content.decode()
    # An open redirect through "next" is refused.
    evil = client.post(
        reverse("officials:escalate", args=[ticket.pk]),
        {"department": piak.pk, "question": "y", "next": "//evil.example/"},
    )
    assert evil["Location"].startswith("/pejabat/")


def test_badge_counts_open_escalations(client, escalated):
    _login(client, escalated["capil"].user)
    escalation_create(
        ticket=ticket_ingest(message=inbound(sender="081377778888")).ticket,
        department=Department.objects.get(code="capil"),
        question="Lagi",
        requested_by=escalated["operator"],
    )
    page = client.get(reverse("officials:queue")).content.decode()
    assert '<span class="count" aria-label="eskalasi menunggu">2</span>' in page


def test_official_toggles_availability(client, escalated):
    user = escalated["capil"].user
    _login(client, user)
    client.post(reverse("officials:availability"), {"available": "0"})
    user.official.refresh_from_db()
    assert user.official.is_available is False
    assert Escalation.objects.get(pk=escalated["esc_capil"].pk).official == escalated["capil_deputy"]


def test_attachment_of_escalated_ticket_is_downloadable_by_its_official_only(client, escalated):
    from tickets.inbound import InboundAttachment

    from ..test_ingest import PNG

    result = ticket_ingest(
        message=inbound(
            text="",
            sender="081355554444",
            attachments=(InboundAttachment(filename="akta.png", content_type="image/png", content=PNG),),
        )
    )
    escalation = escalation_create(
        ticket=result.ticket,
        department=Department.objects.get(code="capil"),
        question="Lihat lampiran",
        requested_by=escalated["operator"],
    )
    attachment = result.message.attachments.get()
    url = reverse("officials:attachment", args=[escalation.pk, attachment.pk])
    _login(client, escalated["capil"].user)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PNG
    _login(client, escalated["piak"].user)
    assert client.get(url).status_code == 404


def test_operator_approves_an_edited_answer_from_the_panel(
    client, escalated, django_capture_on_commit_callbacks
):
    from officials.services import escalation_answer

    Department.objects.filter(code="capil").update(answer_needs_approval=True)
    escalation = Escalation.objects.select_related("department").get(pk=escalated["esc_capil"].pk)
    escalation_answer(escalation=escalation, user=escalated["capil"].user, answer="Tidak perlu pengadilan.")
    _login(client, escalated["operator"])
    panel = client.get(reverse("officials:ticket_escalations", args=[escalation.ticket_id])).content.decode()
    assert "Setujui dan kirim ke warga" in panel and "Tidak perlu pengadilan." in panel
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("officials:approve", args=[escalation.pk]),
            {f"approve{escalation.pk}-answer": "Tidak perlu ke pengadilan, Bu. Cukup datang ke Capil."},
        )
    assert response.status_code == 302
    escalation.refresh_from_db()
    assert escalation.status == "answered"
    assert escalation.relayed_message.body == "Tidak perlu ke pengadilan, Bu. Cukup datang ke Capil."
    panel = client.get(reverse("officials:ticket_escalations", args=[escalation.ticket_id])).content.decode()
    assert "Setujui dan kirim ke warga" not in panel
    assert "Jawaban disetujui operator" in panel  # the history shows the approval
