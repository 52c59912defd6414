"""The ticket workspace's list pane (``inbox:pane``): the first page of the list the operator came
from, fetched after the ticket page so that page's queries stay what they were; and the list rows'
preview of the last message (NIK masked)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tickets.models import Message, Ticket
from tickets.relay import outbox

from .conftest import make_ticket
from .test_list import LIST_QUERIES

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.inbox.urls")]


def test_pane_is_the_first_page_of_the_list_the_operator_came_from(op_client, operator):
    email = make_ticket(
        sender="warga@example.org",
        sender_kind="email",
        channel="email",
        provider="anymail",
        name="Lewat Surel",
    )
    wa = make_ticket(sender="081311112222", name="Lewat WA")
    rows = op_client.get(reverse("inbox:pane")).json()["rows"]
    assert [row["id"] for row in rows][:2] == [wa.pk, email.pk]  # newest activity first
    assert f'id="tiket-{wa.pk}"' in rows[0]["html"] and "Lewat WA" in rows[0]["html"]

    filtered = op_client.get(reverse("inbox:pane"), {"channel": "email"}).json()["rows"]
    assert [row["id"] for row in filtered] == [email.pk]

    # The ticket page asks for the pane of the list it was opened from.
    page = op_client.get(reverse("inbox:ticket", args=[wa.pk]), {"back": "/inbox/?channel=email&q=surel"})
    # The search travels as a session token (the pane is refreshed every few seconds; it may be a NIK).
    pane_url = page.context["pane_url"]
    assert pane_url.startswith("/inbox/panel/?channel=email&cari=") and "surel" not in pane_url
    assert f'data-url="{pane_url.replace("&", "&amp;")}"' in page.content.decode()
    assert [row["id"] for row in op_client.get(pane_url).json()["rows"]] == [email.pk]
    # A link elsewhere is not followed: the default list.
    page = op_client.get(reverse("inbox:ticket", args=[wa.pk]), {"back": "https://example.org/inbox/"})
    assert page.context["pane_url"] == "/inbox/panel/"


def test_pane_refuses_a_bad_filter_and_strangers(client, op_client, official):
    assert op_client.get(reverse("inbox:pane"), {"date_from": "bukan-tanggal"}).status_code == 400
    client.force_login(official)
    assert client.get(reverse("inbox:pane")).status_code == 403


def test_pane_query_count_is_pinned(op_client, operator, django_assert_num_queries):
    for n in range(30):
        make_ticket(sender=f"08160000{n:04d}", name=f"Warga {n}")
    op_client.get(reverse("inbox:pane"))
    with django_assert_num_queries(LIST_QUERIES):  # what the list page itself costs: session, user, rows
        rows = op_client.get(reverse("inbox:pane")).json()["rows"]
    assert len(rows) == 25


def test_row_previews_the_last_message_with_numbers_masked(op_client, operator):
    ticket = make_ticket(name="Bu Ani", text="NIK saya 7372014507900001, KK hilang")
    html = op_client.get(reverse("inbox:list")).content.decode()
    assert "NIK saya 737201******0001, KK hilang" in html and "7372014507900001" not in html
    # A note is not what the citizen last saw; our reply is, marked as ours.
    Message.objects.create(ticket=ticket, direction="note", channel="whatsapp", body="catatan internal")
    outbox.message_reply_create(ticket=ticket, author=operator, body="Silakan datang   ke\nloket 3")
    Ticket.objects.filter(pk=ticket.pk).update(first_response_at=None)
    row = op_client.get(reverse("inbox:pane")).json()["rows"][0]["html"]
    assert '<span class="preview" dir="auto">Kantor: Silakan datang ke loket 3</span>' in row
    assert "catatan internal" not in row
    assert "Belum dibalas" in row  # no first answer from a person recorded yet


def test_row_previews_the_citizens_question_not_the_automatic_acknowledgement(
    op_client, operator, django_assert_num_queries
):
    """Tester, issue 16: the list showed "Petugas kami akan segera membalas" instead of what the
    citizen asked. Automatic replies (outbound, no author) are skipped; a person's reply is not."""
    ticket = make_ticket(name="Pak Baso", text="Syarat pindah domisili apa saja?")
    outbox.message_reply_create(
        ticket=ticket, author=None, body="Petugas kami akan segera membalas.", meta={"autoack": True}
    )
    op_client.get(reverse("inbox:pane"))
    with django_assert_num_queries(LIST_QUERIES):  # the same one rows query
        row = op_client.get(reverse("inbox:pane")).json()["rows"][0]["html"]
    assert '<span class="preview" dir="auto">Syarat pindah domisili apa saja?</span>' in row
    assert "segera membalas" not in row
    outbox.message_reply_create(ticket=ticket, author=operator, body="Bawa KK dan KTP")
    row = op_client.get(reverse("inbox:pane")).json()["rows"][0]["html"]
    assert '<span class="preview" dir="auto">Kantor: Bawa KK dan KTP</span>' in row
