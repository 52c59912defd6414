"""The citizen's front page, /lacak/ and the tracking page in a real browser at 360×740 (phone) and
1366×800 (desk): nothing wider than the viewport, the three actions and the office's contacts on
the front page, formatted replies on the tracking page. Screenshots go to test-artifacts/screens/
(docs/screens.md)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from tickets.ingest import ticket_ingest
from tickets.knowledge.entries import knowledge_seed
from tickets.models import Message

from ..factories import inbound, staff_user
from ..support import ROOT
from .test_browser import CHROMIUM_ARGS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("tests.website.urls"),
]

SHOTS = ROOT / "test-artifacts" / "screens"
SIZES = {"phone": (360, 740), "desk": (1366, 800)}
# Elements wider than the viewport (or sticking out of it), by tag and class: what overflows.
OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  return [...document.querySelectorAll('body *')]
    .filter(el => { const r = el.getBoundingClientRect(); return r.width > 0 && (r.right > width + 0.5 || r.left < -0.5); })
    .filter(el => !el.closest('.hp'))
    .map(el => el.tagName.toLowerCase() + '.' + el.className);
}"""


@pytest.fixture
def browser(monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _page(browser, size: str):
    width, height = SIZES[size]
    context = browser.new_context(
        viewport={"width": width, "height": height}, is_mobile=size == "phone", locale="id-ID"
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page, errors


@pytest.fixture
def conversation(db):
    knowledge_seed()
    ticket = ticket_ingest(
        message=inbound(
            channel="website",
            provider="website",
            sender="0811-415-227",
            name="Andi Muhammad Rahmatullah Syamsuddin Pangerang",
            text="Selamat pagi, syarat KK baru setelah menikah apa saja? " + "panjangsekali" * 8,
        )
    ).ticket
    own = settings.PUBLIC_BASE_URL + reverse("public:track", args=[ticket.tracking_token])
    Message.objects.create(
        ticket=ticket,
        direction="out",
        channel="website",
        status="sent",
        meta={"autoack": True},
        body=(
            f"Terima kasih, pertanyaan Anda tercatat dengan nomor {ticket.reference}.\n\n"
            f"Pantau status pertanyaan Anda di:\n{own}\n\n"
            "*Syarat KK baru (pisah KK)*\n1. KTP-el\n2. Buku nikah\n3. Surat pengantar RT/RW\n\n"
            "Rincian: https://curhat.example/persyaratan/kk-baru-pisah-kk/?sumber=balasan_otomatis_yang_panjang"
        ),
    )
    Message.objects.create(
        ticket=ticket,
        direction="out",
        channel="website",
        status="sent",
        author=staff_user("op-layar", group="operator"),
        body="Bawa berkas _asli_ ya Bu. ~Fotokopi~ tidak perlu. ```CA-2026```",
    )
    return ticket


@pytest.mark.parametrize("size", list(SIZES))
def test_front_page_lookup_and_tracking_page_fit_and_read_well(live_server, browser, conversation, size):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page, errors = _page(browser, size)

    page.goto(live_server.url + "/")
    for name in ("Tanya sekarang", "Cek persyaratan", "Lacak tiket"):
        assert page.get_by_role("link", name=name).first.is_visible()
    assert page.locator(".contact-whatsapp a").get_attribute("href") == "https://wa.me/62811415227"
    assert page.evaluate(OVERFLOW_JS) == []
    page.screenshot(path=str(SHOTS / f"citizen-home-{size}.png"), full_page=True)

    page.get_by_role("link", name="Lacak tiket").first.click()
    page.get_by_label("Nomor tiket atau tautan pelacakan").fill(conversation.reference)
    page.get_by_label("Nomor HP/WhatsApp atau email yang Anda pakai").fill("0811 415 227")
    page.screenshot(path=str(SHOTS / f"citizen-lookup-{size}.png"), full_page=True)
    page.get_by_role("button", name="Lihat tiket").click()
    page.wait_for_url(f"**/lacak/{conversation.tracking_token}/")

    timeline = page.locator(".timeline")
    # The real acknowledgement (sent on ingest) and the one written here: both the system's.
    labels = timeline.locator(".bubble.system .who").all_inner_texts()
    assert labels and all(label.startswith("Balasan otomatis") for label in labels)
    assert timeline.locator("strong", has_text="Syarat KK baru (pisah KK)").is_visible()
    written = timeline.locator(".bubble", has_text="Rincian:")
    assert written.locator("ol li").all_inner_texts() == ["KTP-el", "Buku nikah", "Surat pengantar RT/RW"]
    assert timeline.locator("em", has_text="asli").is_visible()
    link = timeline.locator("a[href^='https://curhat.example/persyaratan/']")
    assert link.is_visible()
    assert "Pantau status" not in timeline.inner_text()
    assert page.evaluate(OVERFLOW_JS) == []
    page.screenshot(path=str(SHOTS / f"citizen-tracking-{size}.png"), full_page=True)
    assert errors == []
    page.context.close()
