"""The public question form (/tanya/), the confirmation, the tracking page and the privacy notice."""

from __future__ import annotations

import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tickets.models import Attachment, Contact, ContactIdentity, Message, Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.website.urls")]

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
    b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\xbd\xfa\x00\x00\x00\x00IEND\xaeB`\x82"
)
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def form_data(chosen, **overrides) -> dict:
    data = {
        "name": "Bu Rahma",
        "phone": "0811-415-227",
        "email": "",
        "topic": str(chosen.pk),
        "message": "Syarat KK baru setelah menikah apa saja?",
        "consent": "on",
        "website": "",
        "submission": str(uuid.uuid4()),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def submit(client, data, **extra):
    return client.post("/tanya/", data, REMOTE_ADDR=extra.pop("ip", "203.0.113.7"), **extra)


def nothing_stored():
    return not (Ticket.objects.exists() or Message.objects.exists() or Contact.objects.exists())


def test_form_page_is_indonesian_works_without_js_and_has_csrf(client, topics):
    response = client.get("/tanya/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Kirim pertanyaan" in html and 'name="csrfmiddlewaretoken"' in html
    assert 'enctype="multipart/form-data"' in html and "<script" not in html
    assert 'href="/privasi/"' in html
    assert "Kartu Keluarga (KK)" in html and "Topik lama" not in html  # only active topics
    assert 'name="viewport"' in html


def test_csrf_is_enforced(topics):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/tanya/", form_data(topics[0]), REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 403 and nothing_stored()


def test_valid_submission_opens_a_website_ticket_and_shows_reference_and_tracking_link(client, topics):
    response = submit(client, form_data(topics[0], email="Rahma@Example.com"))
    assert response.status_code == 302 and response["Location"] == "/tanya/terkirim/"
    ticket = Ticket.objects.get()
    assert ticket.channel == "website" and ticket.topic == topics[0]
    message = ticket.messages.get(direction="in")
    assert message.provider == "website" and message.body == "Syarat KK baru setelah menikah apa saja?"
    # The sender is the phone; the e-mail is a second identity of the same contact.
    assert set(ticket.contact.identities.values_list("kind", "value")) == {
        ("phone", "+62811415227"),
        ("email", "rahma@example.com"),
    }
    assert ticket.contact.name == "Bu Rahma"

    done = client.get("/tanya/terkirim/")
    html = done.content.decode()
    assert ticket.reference in html
    assert f"/lacak/{ticket.tracking_token}/" in html
    assert "no-store" in done["Cache-Control"] and done["Referrer-Policy"] == "same-origin"


def test_email_only_submission_uses_the_email_as_sender(client, topics):
    submit(client, form_data(topics[1], phone="", email="warga@example.com"))
    ticket = Ticket.objects.get()
    assert list(ticket.contact.identities.values_list("kind", "value")) == [("email", "warga@example.com")]


def test_resent_form_is_stored_once(client, topics):
    data = form_data(topics[0])
    submit(client, data)
    submit(client, data)
    assert Ticket.objects.count() == 1 and Message.objects.filter(direction="in").count() == 1


INVALID = {
    "no contact": (
        {"phone": "", "email": ""},
        "Isi nomor WhatsApp/telepon atau alamat email (salah satu wajib)",
    ),
    "bad phone": ({"phone": "12"}, "Nomor WhatsApp/telepon tidak valid"),
    "bad email": ({"phone": "", "email": "bukan-email"}, "Alamat email tidak valid"),
    "no name": ({"name": ""}, "Nama wajib diisi."),
    "no message": ({"message": "   "}, "Tulis pertanyaan Anda."),
    "no topic": ({"topic": ""}, "Pilih topik pertanyaan."),
    "inactive topic": ({"topic": "TOPIC_LAMA"}, "Topik tidak dikenal."),
    "no consent": ({"consent": None}, "Anda perlu menyetujui pemrosesan data pribadi"),
    "too long": ({"message": "x" * 4001}, "Pertanyaan terlalu panjang"),
    "tampered id": ({"submission": "123"}, "Formulir tidak lengkap"),
}


@pytest.mark.parametrize("case", INVALID)
def test_invalid_submission_says_why_in_indonesian_and_stores_nothing(client, topics, case):
    overrides, expected = INVALID[case]
    if overrides.get("topic") == "TOPIC_LAMA":
        overrides = {**overrides, "topic": str(topics[2].pk)}
    response = submit(client, form_data(topics[0], **overrides))
    assert response.status_code == 400
    assert expected in response.content.decode()
    assert nothing_stored()


def test_honeypot_refuses_and_stores_nothing(client, topics):
    response = submit(client, form_data(topics[0], website="http://spam.example"))
    assert response.status_code == 400
    assert "Pengiriman ditolak" in response.content.decode()
    assert nothing_stored()


def test_rate_limit_per_ip(client, topics, settings):
    settings.CURHAT_WEBSITE_RATE_PER_IP = "2/h"
    for n in range(2):
        assert submit(client, form_data(topics[0], phone=f"0811-415-22{n}")).status_code == 302
    refused = submit(client, form_data(topics[0], phone="0811-415-229"))
    assert refused.status_code == 429
    assert "Terlalu banyak pengiriman" in refused.content.decode()
    assert Ticket.objects.count() == 2
    # Another address is not affected.
    assert submit(client, form_data(topics[0], phone="0811-415-228"), ip="198.51.100.9").status_code == 302


def test_rate_limit_per_contact_across_addresses(client, topics, settings):
    settings.CURHAT_WEBSITE_RATE_PER_CONTACT = "2/h"
    submit(client, form_data(topics[0], phone="0811-415-227"), ip="198.51.100.1")
    submit(client, form_data(topics[0], phone="+62 811 415 227"), ip="198.51.100.2")
    refused = submit(client, form_data(topics[0], phone="62811415227"), ip="198.51.100.3")
    assert refused.status_code == 429 and "Terlalu banyak pengiriman" in refused.content.decode()
    assert Message.objects.filter(direction="in").count() == 2


def test_attachments_image_and_pdf_are_stored(client, topics):
    data = form_data(topics[0])
    data["attachments"] = [
        SimpleUploadedFile("kk.png", PNG, content_type="image/png"),
        SimpleUploadedFile("surat.pdf", PDF, content_type="application/pdf"),
    ]
    assert submit(client, data).status_code == 302
    stored = {a.original_name: a for a in Attachment.objects.all()}
    assert stored["kk.png"].content_type == "image/png" and stored["kk.png"].download_status == "stored"
    assert stored["surat.pdf"].content_type == "application/pdf"


@pytest.mark.parametrize(
    ("upload", "expected"),
    [
        (
            SimpleUploadedFile("foto.jpg", b"MZ\x90\x00 not a picture", content_type="image/jpeg"),
            "tidak diterima",
        ),
        (SimpleUploadedFile("besar.png", PNG + b"\x00" * 3000, content_type="image/png"), "terlalu besar"),
    ],
    ids=["disguised", "too big"],
)
def test_refused_attachment_refuses_the_whole_submission(client, topics, settings, upload, expected):
    settings.CURHAT_WEBSITE_MAX_FILE_BYTES = 2000
    data = form_data(topics[0])
    data["attachments"] = [upload]
    response = submit(client, data)
    assert response.status_code == 400 and expected in response.content.decode()
    assert nothing_stored() and not Attachment.objects.exists()


def test_too_many_attachments(client, topics, settings):
    settings.CURHAT_WEBSITE_MAX_FILES = 1
    data = form_data(topics[0])
    data["attachments"] = [SimpleUploadedFile(f"{n}.png", PNG, content_type="image/png") for n in range(2)]
    response = submit(client, data)
    assert response.status_code == 400 and "Paling banyak 1 berkas" in response.content.decode()
    assert nothing_stored()


def test_someone_elses_number_never_reveals_their_tracking_link(client, topics):
    submit(client, form_data(topics[0]))
    victim = Ticket.objects.get()
    from django.test import Client

    stranger = Client()
    submit(stranger, form_data(topics[0], message="Saya orang lain"), ip="198.51.100.50")
    html = stranger.get("/tanya/terkirim/").content.decode()
    assert victim.tracking_token not in html and victim.reference not in html


def test_privacy_notice(client):
    response = client.get("/privasi/")
    assert response.status_code == 200
    assert "Undang-Undang Nomor 27 Tahun 2022" in response.content.decode()


# --- tracking page ---------------------------------------------------------------------------------


@pytest.fixture
def ticket(client, topics):
    submit(client, form_data(topics[0]))
    ticket = Ticket.objects.get()
    Message.objects.create(
        ticket=ticket,
        direction=Message.Direction.NOTE,
        channel="website",
        body="Catatan internal: cek SIAK dulu",
        status=Message.Status.SENT,
    )
    Message.objects.create(
        ticket=ticket,
        direction=Message.Direction.OUT,
        channel="website",
        body="Bawa buku nikah dan KK lama, <b>gratis</b>.",
        status=Message.Status.SENT,
        created_at=timezone.now() + timezone.timedelta(seconds=1),
    )
    return ticket


def test_tracking_page_shows_status_and_public_messages_never_notes(client, ticket):
    response = client.get(f"/lacak/{ticket.tracking_token}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert ticket.reference in html and "Baru" in html
    assert "Syarat KK baru setelah menikah apa saja?" in html
    assert "Bawa buku nikah dan KK lama, &lt;b&gt;gratis&lt;/b&gt;." in html  # escaped
    assert "Catatan internal" not in html
    assert response["X-Robots-Tag"].startswith("noindex")


@pytest.mark.parametrize(
    "path",
    [
        "/lacak/{wrong}/",
        "/lacak/{reference}/",
        "/lacak/{pk}/",
        "/lacak/{token_prefix}/",
    ],
)
def test_without_the_right_token_nothing_is_shown(client, ticket, path):
    url = path.format(
        wrong="A" * 32,
        reference=ticket.reference,
        pk=ticket.pk,
        token_prefix=ticket.tracking_token[:-1],
    )
    response = client.get(url)
    assert response.status_code == 404
    assert ticket.reference not in response.content.decode()


def test_the_lookup_page_shows_no_ticket(client, ticket):
    """/lacak/ is the look-up form now (reference + phone): by itself it shows nothing of anyone's."""
    response = client.get("/lacak/")
    assert response.status_code == 200
    assert ticket.reference not in response.content.decode()


def test_citizen_adds_a_message_to_the_same_ticket(client, ticket):
    url = f"/lacak/{ticket.tracking_token}/"
    submission = str(uuid.uuid4())
    response = client.post(url, {"message": "Kalau buku nikah hilang bagaimana?", "submission": submission})
    assert response.status_code == 302 and response["Location"] == url
    assert Ticket.objects.count() == 1
    added = ticket.messages.filter(direction="in").order_by("-id").first()
    assert added.body == "Kalau buku nikah hilang bagaimana?" and added.channel == "website"
    # A resent form adds nothing.
    client.post(url, {"message": "Kalau buku nikah hilang bagaimana?", "submission": submission})
    assert ticket.messages.filter(direction="in").count() == 2
    page = client.get(url).content.decode()
    assert "Pesan Anda sudah kami terima." in page and "Kalau buku nikah hilang bagaimana?" in page


def test_old_ticket_still_gets_the_message(client, ticket):
    Ticket.objects.filter(pk=ticket.pk).update(
        status=Ticket.Status.ANSWERED, last_activity_at=timezone.now() - timezone.timedelta(days=60)
    )
    client.post(
        f"/lacak/{ticket.tracking_token}/",
        {"message": "Terima kasih, satu lagi", "submission": str(uuid.uuid4())},
    )
    ticket.refresh_from_db()
    assert Ticket.objects.count() == 1 and ticket.status == Ticket.Status.OPEN


def test_closed_ticket_takes_no_more_messages(client, ticket):
    Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.CLOSED)
    response = client.post(
        f"/lacak/{ticket.tracking_token}/", {"message": "Halo?", "submission": str(uuid.uuid4())}
    )
    assert response.status_code == 400 and "sudah ditutup" in response.content.decode()
    assert Ticket.objects.count() == 1 and ticket.messages.filter(direction="in").count() == 1


def test_tracking_reply_validation_and_honeypot(client, ticket):
    url = f"/lacak/{ticket.tracking_token}/"
    empty = client.post(url, {"message": " ", "submission": str(uuid.uuid4())})
    assert empty.status_code == 400 and "Tulis pesan Anda." in empty.content.decode()
    bot = client.post(url, {"message": "spam", "website": "x", "submission": str(uuid.uuid4())})
    assert bot.status_code == 400 and "Pengiriman ditolak" in bot.content.decode()
    assert ticket.messages.filter(direction="in").count() == 1


def test_tracking_reply_rate_limit(client, ticket, settings):
    settings.CURHAT_WEBSITE_RATE_PER_CONTACT = "1/h"
    url = f"/lacak/{ticket.tracking_token}/"
    assert client.post(url, {"message": "satu", "submission": str(uuid.uuid4())}).status_code == 302
    refused = client.post(url, {"message": "dua", "submission": str(uuid.uuid4())})
    assert refused.status_code == 429 and "Terlalu banyak pengiriman" in refused.content.decode()


def test_reference_is_shown_as_ca_year_number(client, topics):
    submit(client, form_data(topics[0]))
    html = client.get("/tanya/terkirim/").content.decode()
    assert re.search(r"CA-\d{4}-\d{6}", html)


def test_identity_conflict_keeps_existing_owner(client, topics):
    other = Contact.objects.create(name="Pemilik email")
    ContactIdentity.objects.create(contact=other, kind="email", value="dipakai@example.com")
    submit(client, form_data(topics[0], email="dipakai@example.com"))
    assert ContactIdentity.objects.get(kind="email").contact == other
    assert Ticket.objects.get().contact != other
