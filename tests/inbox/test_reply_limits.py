"""Per-channel length limits (issue 16, round 2): Messenger takes 2,000 characters, WhatsApp 4,096,
SMS 1,600 (tickets.relay.senders.TEXT_LIMITS, the one list). The operator's form and the API refuse a
longer reply naming the limit, and a refused reply comes back in the composer with its text (a
5,000-character reply used to come back empty). An official's answer is held to the ticket's
channel limit in the form and the API (refused with the limit, never split)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from officials.models import Escalation
from officials.services import escalation_create
from tickets.models import Department, Message

from ..officials.conftest import office  # noqa: F401  (fixture)
from .conftest import make_ticket

pytestmark = pytest.mark.django_db


def _facebook_ticket():
    return make_ticket(
        channel="facebook", provider="messenger", sender_kind="facebook_psid", sender="6783241019"
    )


def _replies(ticket):
    return Message.objects.filter(ticket=ticket, direction="out", author__isnull=False)


def test_the_composer_says_the_channels_limit(op_client):
    ticket = _facebook_ticket()
    page = op_client.get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()
    # No maxlength: a longer paste stays whole in the box (issue 16 re-test N2), the counter says so.
    assert "maxlength" not in page and 'data-limit="2000"' in page
    assert "0 dari 2000 karakter" in page


@pytest.mark.parametrize(
    ("channel", "length", "limit"), [("facebook", 2500, "2.000"), ("whatsapp", 5000, "4.096")]
)
def test_a_too_long_reply_is_refused_with_the_limit_and_the_text_kept(op_client, channel, length, limit):
    ticket = _facebook_ticket() if channel == "facebook" else make_ticket()
    text = "Persyaratan KK: " + "x" * length
    response = op_client.post(reverse("inbox:reply", args=[ticket.pk]), {"body": text, "channel": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert f"batasnya {limit} karakter" in page
    assert 'id="reply-error"' in page and page.index('id="reply-error"') < page.index('id="reply-body"')
    assert text in page  # back in the composer
    assert not _replies(ticket).exists()
    api = op_client.post(
        reverse("inbox:reply", args=[ticket.pk]), {"body": text}, HTTP_ACCEPT="application/json"
    )
    assert api.status_code == 400 and f"batasnya {limit} karakter" in api.json()["error"]


def test_a_reply_within_the_limit_goes(op_client):
    ticket = _facebook_ticket()
    response = op_client.post(reverse("inbox:reply", args=[ticket.pk]), {"body": "y" * 2000, "channel": ""})
    assert response.status_code == 302
    assert _replies(ticket).count() == 1


def test_the_api_refuses_a_reply_longer_than_the_channel_takes(op_client):
    ticket = _facebook_ticket()
    response = op_client.post(
        f"/api/v1/tickets/{ticket.pk}/messages/",
        {"direction": "out", "body": "z" * 2001},
        content_type="application/json",
    )
    assert response.status_code == 400 and "2.000" in response.content.decode()
    # Longer than any channel takes: the same message, with this channel's limit.
    response = op_client.post(
        f"/api/v1/tickets/{ticket.pk}/messages/",
        {"direction": "out", "body": "z" * 5000},
        content_type="application/json",
    )
    assert response.status_code == 400 and "batasnya 2.000 karakter" in response.content.decode()
    assert not _replies(ticket).exists()


def test_an_officials_answer_is_held_to_the_tickets_channel_limit(client, office):  # noqa: F811
    ticket = _facebook_ticket()
    escalation = escalation_create(
        ticket=ticket,
        department=Department.objects.get(code="capil"),
        question="Perlu penetapan pengadilan?",
        requested_by=office["operator"],
    )
    client.force_login(office["capil"].user)
    url = reverse("officials:detail", args=[escalation.pk])
    page = client.get(url).content.decode()
    assert "maxlength" not in page and 'data-limit="2000"' in page and "0 dari 2000 karakter" in page
    long_answer = "Jawaban " + "a" * 2100
    response = client.post(url, {"action": "answer", "answer-answer": long_answer})
    assert response.status_code == 400
    body = response.content.decode()
    assert "batasnya 2.000 karakter" in body and long_answer in body
    assert f"Terlalu panjang: {len(long_answer)} dari 2000 karakter" in body
    api = client.post(
        f"/api/v1/escalations/{escalation.pk}/answer/",
        {"answer": long_answer},
        content_type="application/json",
    )
    assert api.status_code == 400 and "2.000" in api.content.decode()
    api = client.post(
        f"/api/v1/escalations/{escalation.pk}/answer/",
        {"answer": "b" * 5000},
        content_type="application/json",
    )
    assert api.status_code == 400 and "batasnya 2.000 karakter" in api.content.decode()
    escalation.refresh_from_db()
    assert escalation.status == Escalation.Status.OPEN and not escalation.answer
    assert not _replies(ticket).exists()
