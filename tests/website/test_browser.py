"""A citizen on a phone: asks through the form, gets the reference, opens the tracking link and
reads the operator's reply (Playwright driving Debian's chromium against the live server)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tickets.models import Message, Ticket

from ..support import ROOT

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("tests.website.urls"),
]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SHOTS = ROOT / "test-artifacts" / "screenshots"


@pytest.fixture
def phone(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; our ORM calls in between are plain
    # synchronous test code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 360, "height": 740},
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            locale="id-ID",
        )
        page = context.new_page()
        page.set_default_timeout(15000)
        yield page
        context.close()
        browser.close()


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_citizen_asks_tracks_and_reads_the_reply_on_a_phone(live_server, phone, topics):
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone.goto(f"{live_server.url}/tanya/")
    assert fits_the_screen(phone)
    phone.get_by_label("Nama").fill("Bu Rahma")
    phone.get_by_label("Nomor WhatsApp/telepon").fill("0811-415-227")
    phone.get_by_label("Topik").select_option(label="Kartu Keluarga (KK)")
    phone.get_by_label("Pertanyaan atau keluhan").fill("Syarat KK baru setelah menikah apa saja?")
    phone.get_by_label("Saya menyetujui pemrosesan data pribadi", exact=False).check()
    phone.screenshot(path=str(SHOTS / "tanya-phone.png"), full_page=True)
    phone.get_by_role("button", name="Kirim pertanyaan").click()

    phone.wait_for_url("**/tanya/terkirim/")
    reference = phone.locator("#nomor-tiket").inner_text()
    ticket = Ticket.objects.get()
    assert reference == ticket.reference and ticket.channel == "website"
    link = phone.locator("#tautan-lacak").get_attribute("href")
    assert link.endswith(f"/lacak/{ticket.tracking_token}/")
    assert fits_the_screen(phone)

    Message.objects.create(
        ticket=ticket,
        direction=Message.Direction.OUT,
        channel="website",
        body="Bawa buku nikah dan KK lama ke kantor. Gratis.",
        status=Message.Status.SENT,
        created_at=timezone.now(),
    )
    Message.objects.create(
        ticket=ticket,
        direction=Message.Direction.NOTE,
        channel="website",
        body="rahasia internal",
        status="sent",
    )
    phone.goto(link)
    assert phone.locator("h1").inner_text().endswith(reference)
    timeline = phone.locator(".timeline")
    assert "Syarat KK baru setelah menikah apa saja?" in timeline.inner_text()
    assert "Bawa buku nikah dan KK lama ke kantor. Gratis." in timeline.inner_text()
    assert "rahasia internal" not in phone.content()
    assert fits_the_screen(phone)

    phone.get_by_label("Tambahkan pesan").fill("Terima kasih, besok saya datang.")
    phone.get_by_role("button", name="Kirim pesan").click()
    phone.wait_for_selector("text=Pesan Anda sudah kami terima.")
    assert "Terima kasih, besok saya datang." in phone.locator(".timeline").inner_text()
    phone.screenshot(path=str(SHOTS / "lacak-phone.png"), full_page=True)
    assert ticket.messages.filter(direction="in").count() == 2


def test_refusal_is_shown_in_the_browser(live_server, phone, topics):
    phone.goto(f"{live_server.url}/tanya/")
    phone.get_by_label("Nama").fill("Andi")
    phone.get_by_label("Pertanyaan atau keluhan").fill("Halo")
    phone.get_by_role("button", name="Kirim pertanyaan").click()
    body = phone.locator("main").inner_text()
    assert "Isi nomor WhatsApp/telepon atau alamat email (salah satu wajib)" in body
    assert "Anda perlu menyetujui pemrosesan data pribadi" in body
    assert not Ticket.objects.exists()
