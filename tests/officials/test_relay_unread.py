"""An official's answer (relayed at once, held for approval, or a question sent back) puts the ticket
back in front of the operators as unread and updated: the list's unread marker and its short poll
show it without the operator having to look for it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from officials.models import Escalation
from officials.services import escalation_answer, escalation_create, escalation_return
from tickets.inbox.selectors.listing import InboxQuery, inbox_page
from tickets.inbox.services import ticket_mark_read
from tickets.ingest import ticket_ingest
from tickets.models import Department

from ..factories import inbound

pytestmark = pytest.mark.django_db


def _row(user, ticket):
    rows = inbox_page(user=user, query=InboxQuery(status="semua"), cursor="", size=50).rows
    return next(row for row in rows if row.ticket.pk == ticket.pk)


@pytest.fixture
def read_escalation(office, client):
    ticket = ticket_ingest(message=inbound(text="Akta kelahiran anak saya salah nama")).ticket
    escalation = escalation_create(
        ticket=ticket,
        department=Department.objects.get(code="capil"),
        question="Perlu penetapan pengadilan?",
        requested_by=office["operator"],
    )
    client.force_login(office["operator"])
    assert client.get(reverse("inbox:ticket", args=[ticket.pk])).status_code == 200  # operator reads it
    assert not _row(office["operator"], ticket).unread
    return escalation


def _poll_ids(client, since: dt.datetime) -> list[int]:
    token = str(int(since.timestamp() * 1_000_000))
    data = client.get(reverse("inbox:poll"), {"since": token, "status": "semua"}).json()
    return [row["id"] for row in data["rows"]]


@pytest.mark.parametrize("needs_approval", [False, True])
def test_an_officials_answer_marks_the_ticket_unread_and_updated(
    office, client, read_escalation, needs_approval
):
    department = read_escalation.department
    department.answer_needs_approval = needs_approval
    department.save()
    before = timezone.now()
    escalation = escalation_answer(
        escalation=Escalation.objects.get(pk=read_escalation.pk),
        user=office["capil"].user,
        answer="Cukup surat keterangan, tidak perlu ke pengadilan.",
    )
    assert escalation.status == (
        Escalation.Status.AWAITING_APPROVAL if needs_approval else Escalation.Status.ANSWERED
    )
    assert _row(office["operator"], read_escalation.ticket).unread
    assert read_escalation.ticket.pk in _poll_ids(client, before)
    # Opening it again reads it.
    client.get(reverse("inbox:ticket", args=[read_escalation.ticket.pk]))
    assert not _row(office["operator"], read_escalation.ticket).unread


def test_a_question_sent_back_marks_the_ticket_unread(office, client, read_escalation):
    before = timezone.now()
    escalation_return(
        escalation=Escalation.objects.get(pk=read_escalation.pk),
        user=office["capil"].user,
        note="Perlu nomor KK warga.",
    )
    assert _row(office["operator"], read_escalation.ticket).unread
    assert read_escalation.ticket.pk in _poll_ids(client, before)


def test_the_officials_own_read_state_is_not_what_the_operator_sees(office, read_escalation):
    official = office["capil"].user
    ticket_mark_read(ticket=read_escalation.ticket, user=official)
    escalation_answer(
        escalation=Escalation.objects.get(pk=read_escalation.pk), user=official, answer="Sudah dijawab."
    )
    assert _row(office["operator"], read_escalation.ticket).unread
