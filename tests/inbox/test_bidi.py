"""Bidi controls (issue 16, round 2): a name like "Budi\\u202eSantoso" or "KTP\\u202efdp.exe" reordered
the text after it on the operators' pages and in the messages the office sends. Names are stored and
inserted into outgoing texts without U+202A–U+202E and U+2066–U+2069; names and message texts are
shown isolated (<bdi>, dir="auto"), so nothing they hold reorders the page around them."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from officials.services import holding_text
from tickets.identities import name_without_bidi
from tickets.inbox.views.canned import fill_canned
from tickets.knowledge.autoack import autoack_body
from tickets.models import CannedAnswer, Contact, Department

from .conftest import make_ticket

pytestmark = pytest.mark.django_db

CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def _has_control(text: str) -> bool:
    return any(ch in text for ch in CONTROLS)


def test_names_are_stored_without_bidi_controls_and_texts_kept_as_written(seeded):
    ticket = make_ticket(name="Budi\u202e otnaS \u2066x\u2069", text="Lampiran KTP\u202efdp.exe")
    assert ticket.contact.name == "Budi otnaS x"
    assert ticket.messages.get().body == "Lampiran KTP\u202efdp.exe"
    assert name_without_bidi("\u202d\u202aAndi\u202c") == "Andi"


def test_outgoing_texts_never_carry_a_names_bidi_controls(seeded):
    ticket = make_ticket(name="Andi")
    Contact.objects.filter(pk=ticket.contact_id).update(name="An\u202edi\u2067")  # stored before this release
    ticket.refresh_from_db()
    canned = CannedAnswer.objects.create(
        title="Sapa", body="Halo {nama}, tiket {nomor_tiket}.", shortcut="sapa"
    )
    [filled] = fill_canned(ticket, [canned])
    assert filled["body"] == f"Halo Andi, tiket {ticket.reference}."
    holding = holding_text(ticket=ticket, department=Department.objects.get(code="capil"))
    assert "Andi" in holding and not _has_control(holding)
    ack = autoack_body(ticket=ticket, at=timezone.now(), topic=None, entry=None)
    assert not _has_control(ack)


def test_names_and_message_texts_are_shown_isolated(op_client):
    ticket = make_ticket(name="Andi", text="Halo \u202eabc")
    Contact.objects.filter(pk=ticket.contact_id).update(name="An\u202edi")
    row = op_client.get(reverse("inbox:list")).content.decode()
    assert '<bdi class="contact">An\u202edi</bdi>' in row
    assert '<span class="preview" dir="auto">Halo \u202eabc</span>' in row
    page = op_client.get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()
    assert 'id="ticket-name" dir="auto"' in page
    assert '<div class="body" dir="auto">Halo \u202eabc</div>' in page
