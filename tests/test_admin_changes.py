"""/admin/ (issue 16, round 2): an official's answer once given or relayed is a record (no edit, no
delete); a ticket's channel is what the citizen used (read-only); every change an admin makes to a
ticket's status, assignee or department, or to an escalation, leaves an audit row."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.forms import MultiWidget
from django.urls import reverse

from officials.models import Escalation
from officials.services import escalation_answer, escalation_create
from tickets.ingest import ticket_ingest
from tickets.models import AuditEvent, Department, Ticket
from tickets.reference_data import reference_data_seed

from .factories import inbound, staff_user
from .officials.conftest import office  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("root", "root@example.id", "x-Sandi-Panjang-2026")
    client.force_login(user)
    return client


def _url(obj, view: str) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_{view}", args=[obj.pk])


def _fields(form, data: dict) -> None:
    for bound in form:
        value = bound.value()
        widget = bound.field.widget
        if isinstance(widget, MultiWidget):
            for i, part in enumerate(widget.decompress(value) or ()):
                data[f"{bound.html_name}_{i}"] = "" if part is None else str(part)
        elif isinstance(value, bool):
            if value:
                data[bound.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(v) for v in value]
        else:
            data[bound.html_name] = "" if value is None else str(value)


def _form_data(page) -> dict:
    """What the admin's change form posts back unchanged (the fields it shows, its inlines)."""
    data: dict = {}
    _fields(page.context["adminform"].form, data)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        _fields(formset.management_form, data)
        for form in formset.forms:
            _fields(form, data)
    return data


def _admin_audits(action: str) -> list[AuditEvent]:
    return [e for e in AuditEvent.objects.filter(action=action) if e.detail.get("via") == "admin"]


def test_admin_change_of_status_assignee_department_is_audited_and_channel_is_read_only(admin_client):
    reference_data_seed()
    ticket = ticket_ingest(message=inbound(text="Syarat KK?")).ticket
    operator = staff_user("operator9", group="operator")
    page = admin_client.get(_url(ticket, "change"))
    assert 'name="channel"' not in page.content.decode()
    data = _form_data(page)
    department = Department.objects.first()
    data.update(status="closed", assignee=str(operator.pk), department=str(department.pk), channel="email")
    response = admin_client.post(_url(ticket, "change"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee, ticket.department, ticket.channel) == (
        "closed",
        operator,
        department,
        "whatsapp",
    )
    [status] = _admin_audits("ticket_status")
    assert status.ticket_reference == ticket.reference and status.actor_name == "root"
    assert status.detail["changes"]["status"] == ["new", "closed"]
    [assign] = _admin_audits("ticket_assign")
    assert assign.detail["changes"]["assignee"] == [None, operator.pk]
    assert assign.detail["changes"]["department"] == [None, department.pk]
    # Saving again unchanged writes nothing more.
    admin_client.post(_url(ticket, "change"), _form_data(admin_client.get(_url(ticket, "change"))))
    assert len(_admin_audits("ticket_status")) == 1 and len(_admin_audits("ticket_assign")) == 1


def test_an_open_escalation_changed_in_the_admin_is_audited(admin_client, office):  # noqa: F811
    ticket = ticket_ingest(message=inbound(text="Akta salah nama")).ticket
    escalation = escalation_create(
        ticket=ticket,
        department=Department.objects.get(code="capil"),
        question="Perlu?",
        requested_by=office["operator"],
    )
    data = _form_data(admin_client.get(_url(escalation, "change")))
    data["question"] = "Perlu penetapan pengadilan?"
    response = admin_client.post(_url(escalation, "change"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    [event] = _admin_audits("escalation")
    assert event.ticket_reference == ticket.reference
    assert event.detail["changes"]["question"] == ["Perlu?", "Perlu penetapan pengadilan?"]


def test_an_answered_and_relayed_escalation_is_read_only_and_kept(admin_client, office):  # noqa: F811
    ticket = ticket_ingest(message=inbound(text="Akta salah nama")).ticket
    escalation = escalation_create(
        ticket=ticket,
        department=Department.objects.get(code="capil"),
        question="Perlu?",
        requested_by=office["operator"],
    )
    escalation = escalation_answer(escalation=escalation, user=office["capil"].user, answer="Ya, perlu.")
    assert escalation.relayed_message_id is not None
    page = admin_client.get(_url(escalation, "change"))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="answer"' not in body and 'name="status"' not in body
    response = admin_client.post(
        _url(escalation, "change"), {"answer": "diubah", "status": "open", "relayed_message": ""}
    )
    assert response.status_code == 403
    assert admin_client.post(_url(escalation, "delete"), {"post": "yes"}).status_code == 403
    admin_client.post(
        reverse("admin:officials_escalation_changelist"),
        {"action": "delete_selected", "_selected_action": [escalation.pk], "post": "yes"},
    )
    escalation = Escalation.objects.get(pk=escalation.pk)
    assert (escalation.answer, escalation.status) == ("Ya, perlu.", "answered")
    assert escalation.relayed_message_id is not None
    assert Ticket.objects.filter(pk=ticket.pk).exists()


def test_a_ticket_closed_in_the_admin_gets_the_inbox_timestamps(admin_client):
    """Outside re-test of issue 16 (N5): status → closed in /admin/ left closed_at and resolved_at
    empty (the inbox sets them; the after-closing thank-you rule looks at closed_at)."""
    reference_data_seed()
    ticket = ticket_ingest(message=inbound(sender="081277770001", text="Syarat KK?")).ticket
    data = _form_data(admin_client.get(_url(ticket, "change")))
    data.update(status="closed")
    response = admin_client.post(_url(ticket, "change"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    ticket.refresh_from_db()
    assert ticket.status == "closed" and ticket.closed_at is not None and ticket.resolved_at is not None
    # A thank-you right after joins the closed ticket, as after closing it in the inbox.
    thanks = ticket_ingest(message=inbound(sender="081277770001", text="Terima kasih, besok saya ke kantor."))
    assert thanks.ticket.pk == ticket.pk
    # Reopened in the admin: both cleared, as the inbox's "reopen".
    data = _form_data(admin_client.get(_url(ticket, "change")))
    data.update(status="open")
    assert admin_client.post(_url(ticket, "change"), data).status_code == 302
    ticket.refresh_from_db()
    assert (ticket.closed_at, ticket.resolved_at) == (None, None)


def test_the_escalation_history_rows_read_in_the_readers_language_and_office_time(admin_client, office):  # noqa: F811
    """Outside re-test of issue 16 (N6): the history rows in /admin/officials/escalation/N/change/ were
    labelled "16 answered 2026-12-01 12:00" (the raw status, UTC)."""
    import datetime as dt

    from django.utils import timezone, translation

    from officials.models import EscalationEvent

    ticket = ticket_ingest(message=inbound(text="Akta salah nama")).ticket
    escalation = escalation_create(
        ticket=ticket,
        department=Department.objects.get(code="capil"),
        question="Perlu?",
        requested_by=office["operator"],
    )
    event = escalation.events.get()
    EscalationEvent.objects.filter(pk=event.pk).update(
        created_at=dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC), kind="answered"
    )
    event.refresh_from_db()
    with translation.override("id"):
        assert str(event) == "Dijawab pejabat · 01 Des 2026 20:00"  # WITA, UTC+8
    with translation.override("en"):
        assert str(event) == "Answered by official · 01 Dec 2026 20:00"
    body = admin_client.get(_url(escalation, "change"), HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "answered 2026" not in body and "12:00" not in body
    assert "20:00" in body
    assert timezone.get_current_timezone_name() == "Asia/Makassar"
