"""What officials add to the inbox through its extension points (officials.inbox): the escalations
on the ticket page, the "waiting on an official" filter, escalations following a merged ticket."""

from __future__ import annotations

import pytest
from django.urls import reverse

from officials.services import escalation_create
from tickets.inbox import extensions
from tickets.inbox import services as inbox_services
from tickets.ingest import ticket_ingest
from tickets.models import Ticket

from ..factories import inbound

pytestmark = pytest.mark.django_db


def _ticket(text: str):
    return ticket_ingest(message=inbound(sender="081200004444", text=text)).ticket


def test_a_merged_tickets_escalations_follow_it(office):
    source = _ticket("Akta anak salah nama")
    escalation = escalation_create(
        ticket=source,
        department=office["capil"].departments.get(),
        question="?",
        requested_by=office["operator"],
    )
    Ticket.objects.filter(pk=source.pk).update(status="closed")
    target = _ticket("Akta anak, lanjutan")
    inbox_services.ticket_merge(source=source, target=target, by=office["operator"])
    escalation.refresh_from_db()
    assert escalation.ticket_id == target.pk


def test_officials_register_their_section_and_waiting_condition():
    from officials import inbox

    assert extensions._sections["escalations"] is inbox.ticket_section
    assert extensions._waiting["open_escalation"] is inbox.open_escalation


def test_ticket_page_shows_the_escalation_in_the_timeline_and_the_panel(client, office):
    ticket = _ticket("Akta anak salah nama")
    escalation_create(
        ticket=ticket,
        department=office["capil"].departments.get(),
        question="Perlu surat dari RS?",
        requested_by=office["operator"],
    )
    client.force_login(office["operator"])
    response = client.get(reverse("inbox:ticket", args=[ticket.pk]))
    html = response.content.decode()
    entries = [entry for entry in response.context["timeline"] if entry.kind == "escalation"]
    assert len(entries) == 1 and entries[0].part.context["e"].question == "Perlu surat dari RS?"
    assert html.count("Perlu surat dari RS?") == 2  # the timeline entry and the panel
    assert 'class="card escalation-panel"' in html and 'class="msg msg-escalation"' in html
