"""The citizen's pages (issue 16): the front page leads somewhere (ask, requirements, track, the
office's contact points); /lacak/ finds a ticket by its reference and the sender's phone or e-mail;
the tracking page shows WhatsApp formatting safely, names automatic replies as such and does not
link to itself."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from tickets.ingest import ticket_ingest
from tickets.knowledge.entries import knowledge_seed
from tickets.models import Message, Ticket
from tickets.public.formatting import whatsapp_html

from ..factories import inbound, staff_user

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.website.urls")]


def test_home_offers_ask_requirements_tracking_and_the_office_contacts(client, settings):
    knowledge_seed()
    settings.CURHAT_OFFICE_EMAIL = "layanan@disdukcapil.example"
    html = client.get("/").content.decode()
    for label in ("Tanya sekarang", "Cek persyaratan", "Lacak tiket"):
        assert label in html
    assert f'href="{reverse("public:ask")}"' in html
    assert f'href="{reverse("knowledge:index")}"' in html
    assert f'href="{reverse("public:track_lookup")}"' in html
    # Requirement checklists per service, from the knowledge base.
    assert reverse("knowledge:detail", args=["ktp-el-hilang-rusak"]) in html
    # The office's contact points, tappable.
    assert 'href="https://wa.me/62811415227"' in html and "0811-415-227" in html
    assert 'href="tel:+62811428227"' in html
    assert 'href="mailto:layanan@disdukcapil.example"' in html
    assert "Disdukcapil Parepare" in html and "facebook.com" in html
    assert "Masuk petugas" in html  # staff still find the sign-in


def test_contact_points_come_from_the_settings(client, settings):
    settings.CURHAT_OFFICE_WHATSAPP = "0812-3456-7890"
    settings.CURHAT_OFFICE_FACEBOOK = ""
    settings.CURHAT_OFFICE_EMAIL = ""
    settings.CURHAT_EMAIL_OFFICE_ADDRESSES = ["kantor@example.id"]
    html = client.get("/").content.decode()
    assert 'href="https://wa.me/6281234567890"' in html
    assert "mailto:kantor@example.id" in html
    assert "facebook.com" not in html


@pytest.fixture
def website_ticket():
    return ticket_ingest(
        message=inbound(channel="website", provider="website", sender="0811-415-227", text="Syarat KK?")
    ).ticket


def test_lookup_by_reference_and_phone_in_any_spelling(client, website_ticket):
    url = reverse("public:track_lookup")
    assert client.get(url).status_code == 200
    track = reverse("public:track", args=[website_ticket.tracking_token])
    for phone in ("0811-415-227", "+62 811 415 227", "62811415227"):
        response = client.post(url, {"reference": website_ticket.reference.lower(), "contact": phone})
        assert response.status_code == 302 and response["Location"] == track


def test_lookup_with_a_wrong_phone_or_reference_says_the_same(client, website_ticket):
    url = reverse("public:track_lookup")
    other = ticket_ingest(message=inbound(sender="081299990000", text="halo")).ticket
    answers = set()
    for reference, contact in (
        (website_ticket.reference, "081299990000"),  # someone else's number
        ("CA-2099-000001", "0811-415-227"),  # no such ticket
        (other.reference, "0811-415-227"),  # someone else's ticket
    ):
        response = client.post(url, {"reference": reference, "contact": contact})
        assert response.status_code == 404
        answers.add(response.content.decode().count("Tiket tidak ditemukan"))
    assert answers == {1}
    response = client.post(url, {"reference": website_ticket.reference, "contact": "bukan nomor"})
    assert response.status_code == 400 and "tidak valid" in response.content.decode()
    response = client.post(url, {"reference": "", "contact": ""})
    assert response.status_code == 400 and "Tulis nomor tiket Anda." in response.content.decode()


def test_lookup_accepts_the_pasted_tracking_link(client, website_ticket):
    link = f"https://curhat.example/lacak/{website_ticket.tracking_token}/"
    response = client.post(reverse("public:track_lookup"), {"reference": link})
    assert response["Location"] == reverse("public:track", args=[website_ticket.tracking_token])


def test_lookup_tries_are_limited_per_address(client, website_ticket, settings):
    settings.CURHAT_TRACKING_LOOKUP_RATE_PER_IP = "2/h"
    url = reverse("public:track_lookup")
    codes = [
        client.post(url, {"reference": "CA-2099-000001", "contact": "0811-415-227"}).status_code
        for _ in range(3)
    ]
    assert codes == [404, 404, 429]


# --- the tracking page -----------------------------------------------------------------------------


HOSTILE = (
    '<script>alert("x")</script> *<img src=x onerror=alert(1)>* '
    "_<b>tebal</b>_ javascript:alert(1) https://e.id/\"onmouseover='alert(1)' "
    "```<iframe>``` ~<svg/onload=alert(1)>~"
)


def test_hostile_text_is_escaped_before_it_is_formatted():
    html = str(whatsapp_html(HOSTILE))
    for dangerous in ("<script", "<img", "<b>", "<iframe", "<svg", 'href="javascript', "onmouseover='"):
        assert dangerous not in html
    assert "&lt;script&gt;" in html and "<strong>&lt;img src=x onerror=alert(1)&gt;</strong>" in html
    assert '<a href="https://e.id/" rel="nofollow noopener noreferrer">https://e.id/</a>&quot;' in html
    assert "<code>&lt;iframe&gt;</code>" in html
    # Only these tags, and only links carry attributes.
    import re

    tags = set(re.findall(r"<([a-z0-9]+)", html))
    assert tags <= {"p", "br", "strong", "em", "s", "code", "a", "ul", "ol", "li"}


def test_whatsapp_formatting_lists_and_links():
    text = (
        "*Syarat KK baru*\n1. KTP-el _asli_\n2. Surat ~lama~ baru\n\n- satu\n- dua\n"
        "Lihat https://curhat.example/persyaratan/kk_baru/?a=1&b=2."
    )
    html = str(whatsapp_html(text))
    assert "<p><strong>Syarat KK baru</strong></p>" in html
    assert "<ol><li>KTP-el <em>asli</em></li><li>Surat <s>lama</s> baru</li></ol>" in html
    assert "<ul><li>satu</li><li>dua</li></ul>" in html
    url = "https://curhat.example/persyaratan/kk_baru/?a=1&amp;b=2"
    assert f'<a href="{url}" rel="nofollow noopener noreferrer">{url}</a>.' in html
    # Not formatting: a lone star, snake_case words, arithmetic.
    plain = str(whatsapp_html("2 * 3 = 6, nama_file_ku.pdf, 5 ~ 6"))
    assert "<strong>" not in plain and "<em>" not in plain and "<s>" not in plain


def test_tracking_page_formats_names_the_automatic_reply_and_does_not_link_to_itself(client, website_ticket):
    operator = staff_user("op-lacak", group="operator")
    own = settings.PUBLIC_BASE_URL + reverse("public:track", args=[website_ticket.tracking_token])
    Message.objects.create(
        ticket=website_ticket,
        direction="out",
        channel="website",
        status="sent",
        body=(
            f"Terima kasih, pertanyaan Anda tercatat.\n\nPantau status pertanyaan Anda di:\n{own}\n\n"
            "*Syarat KK baru*\n1. KTP-el"
        ),
        meta={"autoack": True},
    )
    Message.objects.create(
        ticket=website_ticket,
        direction="out",
        channel="website",
        status="sent",
        author=operator,
        body=HOSTILE,
    )
    html = client.get(reverse("public:track", args=[website_ticket.tracking_token])).content.decode()
    assert "Balasan otomatis" in html
    assert html.count(">Petugas ") == 1  # only the operator's reply
    assert "<strong>Syarat KK baru</strong>" in html and "<ol><li>KTP-el</li></ol>" in html
    assert "Pantau status" not in html and f'href="{own}"' not in html
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert Ticket.objects.filter(pk=website_ticket.pk).exists()
