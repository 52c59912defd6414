"""The seeded knowledge base in a real browser (Playwright + Debian's chromium, live server): the
public requirement pages on a phone, the contact form's link to them, and an operator inserting a
checklist from the ticket page."""

from __future__ import annotations

import os

import pytest

from tests.factories import inbound, staff_user
from tests.support import ROOT
from tickets.ingest import ticket_ingest
from tickets.knowledge.entries import knowledge_seed
from tickets.models import KnowledgeEntry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop here
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
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, locale="id-ID"
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    problems: list[str] = []
    # Script errors and CSP refusals are problems; the browser's own favicon probe is not.
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.problems = problems
    yield page
    context.close()


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_citizen_reads_the_requirement_pages_on_a_phone(live_server, phone):
    knowledge_seed()
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone.goto(f"{live_server.url}/persyaratan/")
    assert phone.get_by_role("heading", name="Persyaratan layanan adminduk").is_visible()
    titles = phone.locator(".kb-list a").all_inner_texts()
    assert set(titles) == set(KnowledgeEntry.objects.values_list("title", flat=True))
    assert phone.locator(".kb-badge").count() == KnowledgeEntry.objects.filter(unconfirmed=True).count()
    assert fits_the_screen(phone)
    phone.screenshot(path=str(SHOTS / "persyaratan-index-phone.png"), full_page=True)

    phone.get_by_role("link", name="KK hilang atau rusak").click()
    phone.wait_for_url("**/persyaratan/kk-hilang-rusak/")
    items = phone.locator(".kb-checklist li").all_inner_texts()
    assert items == [
        "Surat keterangan kehilangan dari kepolisian (bila hilang) atau KK yang rusak",
        "KTP-el (orang asing: KITAP)",
    ]
    assert "Gratis" in phone.locator(".kb-fee").inner_text()
    # knowledge.css is served and applied (no inline styles: the CSP allows only 'self').
    assert phone.locator(".kb-fee").evaluate("el => getComputedStyle(el).fontWeight") == "700"
    assert not phone.locator(".kb-warning").count()
    assert fits_the_screen(phone)
    phone.screenshot(path=str(SHOTS / "persyaratan-kk-hilang-phone.png"), full_page=True)

    phone.goto(f"{live_server.url}/persyaratan/ikd/")
    assert "Perlu dicek kantor." in phone.locator(".kb-warning").inner_text()
    assert phone.problems == []


def test_contact_form_links_the_requirement_pages(live_server, phone):
    knowledge_seed()
    phone.goto(f"{live_server.url}/tanya/")
    link = phone.get_by_role("link", name="Sebelum bertanya, cek persyaratan")
    assert link.count() == 1
    link.first.click()
    phone.wait_for_url("**/persyaratan/")
    assert phone.locator(".kb-list a").count() == KnowledgeEntry.objects.count()


def test_operator_inserts_a_checklist_from_the_ticket_page(live_server, browser, settings):
    knowledge_seed()
    settings.CURHAT_AUTOACK_ENABLED = False
    staff_user("rina-kb", group="operator", first_name="Rina")
    ticket = ticket_ingest(message=inbound(text="kk saya hilang kena banjir, syaratnya apa?")).ticket
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{live_server.url}/masuk/")
    page.fill("#id_username", "rina-kb")
    page.fill("#id_password", "rahasia-uji-123")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/inbox/tiket/{ticket.pk}/")
    page.click("#picker-open")  # the composer's picker of canned answers and checklists
    item = page.locator(".canned-item", has_text="Syarat: KK hilang atau rusak")
    assert item.count() == 1
    assert page.locator(".canned-item", has_text="Syarat:").count() == KnowledgeEntry.objects.count()
    item.click()
    body = page.locator("#reply-body").input_value()
    assert body.startswith("*Syarat KK hilang atau rusak*")
    assert "1. Surat keterangan kehilangan dari kepolisian" in body
    page.screenshot(path=str(SHOTS / "inbox-syarat.png"), full_page=True)
    context.close()
