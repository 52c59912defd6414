"""The operator's workspace and the official's escalation page in a real browser (Debian's chromium
through Playwright) at a phone's 360×740, a laptop's 1366×800 and a desktop's 1920×1080.

Asserted on every screen: no CSP violation and no console error; at 360 px no element is wider than
the viewport; long unbroken names wrap; the focus is visible. On the ticket page the composer and the
last message are on screen together; from 1366 px the ticket list, the conversation and the details
are side by side. On the escalation page the question, the latest message and the answer box fit one
phone screen; an empty answer is an error next to the box; the answer puts the ticket back in the
operator's list as unread. Screenshots go to test-artifacts/screens/ (docs/screens.md lists them).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.db import connections

from officials.services import escalation_create
from tickets.ingest import ticket_ingest
from tickets.models import CannedAnswer, Department, Message, Official, Ticket
from tickets.reference_data import reference_data_seed

from ..factories import inbound, staff_user
from .test_browser import CHROMIUM_ARGS

pytestmark = [pytest.mark.browser, pytest.mark.urls("tests.inbox.urls")]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screens"
VIEWPORTS = {"phone": (360, 740), "laptop": (1366, 800), "desktop": (1920, 1080)}
LONG_NAME = "Andi" + "Wicaksono" * 14  # one word, 130 letters
LONG_LINK = "https://disdukcapil.pareparekota.go.id/layanan/persyaratan/" + "kartu-keluarga-" * 12

# Reported through the console, which the page watcher below treats as an error.
CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " " + e.blockedURI);
});
"""

OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || el.closest(".sr-only")) continue;
    if (r.right > width + 1 || r.left < -1) wide.push(`${el.tagName}.${el.className} ${Math.round(r.left)}..${Math.round(r.right)}`);
  }
  return {scroll: document.documentElement.scrollWidth, width, wide: wide.slice(0, 8)};
}"""

# Nothing sticks out of its table cell or card (issue 16 re-test N4: the official queue's overdue
# badge became a 156×84 px oval hanging out of its cell at 360 px). Boxes inside a scrolling or
# clipping container, and fixed/absolute/sticky ones, are that container's business; the content of a
# folded <details> is not shown.
STICKS_OUT = """() => {
  const out = [];
  for (const el of document.querySelectorAll("td *, th *, .card *")) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || el.closest(".sr-only")) continue;
    const folded = el.parentElement.closest("details:not([open])");
    if (folded && !el.closest("summary")) continue;  // folded away: laid out, not shown
    if (["fixed", "absolute", "sticky"].includes(getComputedStyle(el).position)) continue;
    const box = el.parentElement.closest("td, th, .card");
    if (!box) continue;
    let p = el.parentElement, clipped = false;
    for (; p && p !== box; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (s.overflowX !== "visible" || s.overflowY !== "visible") { clipped = true; break; }
    }
    if (clipped) continue;
    const b = box.getBoundingClientRect();
    if (r.left < b.left - 1 || r.right > b.right + 1 || r.top < b.top - 1 || r.bottom > b.bottom + 1) {
      out.push(`${el.tagName}.${el.className} ${Math.round(r.left)},${Math.round(r.top)} ${Math.round(r.width)}x${Math.round(r.height)}`
        + ` out of ${box.tagName}.${box.className} ${Math.round(b.left)},${Math.round(b.top)} ${Math.round(b.width)}x${Math.round(b.height)}`);
    }
  }
  return out.slice(0, 8);
}"""

FOCUS_RING = """() => {
  const el = document.activeElement;
  const s = getComputedStyle(el);
  return {tag: el.tagName, style: s.outlineStyle, width: parseFloat(s.outlineWidth), color: s.outlineColor};
}"""

IN_VIEW = """(selector) => {
  const r = document.querySelector(selector).getBoundingClientRect();
  return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, h: innerHeight, w: innerWidth};
}"""


@pytest.fixture
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def _page(browser, size, problems):
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height}, locale="id-ID")
    context.add_init_script(CSP_REPORTER)
    page = context.new_page()
    page.set_default_timeout(15_000)

    def on_console(message):
        # A failed load is reported by on_response with its URL (the browser's favicon probe excepted).
        if message.text.startswith("Failed to load resource"):
            return
        if message.type == "error" or "Content Security Policy" in message.text:
            problems.append(f"{width}px console {message.type}: {message.text}")

    def on_response(response):
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            problems.append(f"{width}px HTTP {response.status}: {response.url}")

    page.on("console", on_console)
    page.on("response", on_response)
    page.on("pageerror", lambda error: problems.append(f"{width}px pageerror: {error}"))
    return page


def _login(page, base, username):
    page.goto(f"{base}/masuk/")
    page.fill("#id_username", username)
    page.fill("#id_password", "rahasia-uji-123")
    page.click("button[type=submit]")
    page.wait_for_load_state()


def _shot(page, name, size):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{size[0]}x{size[1]}.png"))


def _assert_fits(page, size, where):
    if size[0] > 400:
        return
    found = page.evaluate(OVERFLOW)
    assert found["scroll"] <= found["width"], f"{where}: page scrolls sideways: {found}"
    assert found["wide"] == [], f"{where}: wider than the viewport: {found['wide']}"
    stuck = page.evaluate(STICKS_OUT)
    assert stuck == [], f"{where}: sticks out of its cell or card: {stuck}"


def _assert_focus_visible(page, where):
    ring = page.evaluate(FOCUS_RING)
    assert ring["style"] != "none" and ring["width"] >= 2, f"{where}: focus not visible on {ring}"


def _within(box, *, fully=True):
    if fully:
        return (
            box["top"] >= 0
            and box["bottom"] <= box["h"] + 1
            and box["left"] >= 0
            and box["right"] <= box["w"] + 1
        )
    return box["bottom"] > 0 and box["top"] < box["h"]


@pytest.fixture
def office(settings, monkeypatch):
    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 0)
    settings.CURHAT_AUTOACK_ENABLED = False
    reference_data_seed()
    operator = staff_user("rina", group="operator", first_name="Rina", last_name="Operator")
    official_user = staff_user("kabid.capil", group="official", first_name="Kabid", last_name="Capil")
    official = Official.objects.create(user=official_user, title="Kepala Bidang Capil")
    capil = Department.objects.get(code="capil")
    official.departments.add(capil)
    capil.default_official = official
    capil.save()
    CannedAnswer.objects.create(
        title="Syarat KK baru", body="Halo {nama}, untuk {nomor_tiket}: bawa buku nikah.", shortcut="kk"
    )
    for n in range(30):
        ticket_ingest(
            message=inbound(sender=f"08120000{n:04d}", name=f"Warga {n}", text=f"Pertanyaan ke-{n}")
        )
    ticket = ticket_ingest(
        message=inbound(
            sender="081241110001", name=LONG_NAME, text=f"Syarat akta kelahiran? Lihat {LONG_LINK}"
        )
    ).ticket
    for n in range(8):
        ticket_ingest(
            message=inbound(sender="081241110001", text=f"Pesan lanjutan nomor {n}: " + "kata " * 30)
        )
    last = ticket_ingest(message=inbound(sender="081241110001", text="Ini pesan terakhir saya.")).message
    escalation = escalation_create(
        ticket=ticket, department=capil, question="Apakah perlu penetapan pengadilan?", requested_by=operator
    )
    return {"ticket": ticket, "last": last, "escalation": escalation}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_operator_workspace(live_server, chromium, office, device):
    size = VIEWPORTS[device]
    problems: list[str] = []
    page = _page(chromium, size, problems)
    base = live_server.url
    ticket = office["ticket"]
    _login(page, base, "rina")
    page.wait_for_url(f"{base}/inbox/")

    # The list: the long name wraps inside its row, nothing widens the page.
    row = page.locator(f"#tiket-{ticket.pk}")
    assert LONG_NAME in row.inner_text() and "Ini pesan terakhir saya." in row.inner_text()  # preview
    box = row.locator(".contact").bounding_box()
    assert box["x"] + box["width"] <= size[0] + 1
    page.keyboard.press("Tab")
    _assert_focus_visible(page, "list")
    _assert_fits(page, size, "list")
    _shot(page, "operator-list", size)

    # The ticket page: the composer and the last message on screen together.
    row.locator("a.ticket-link").click()
    page.wait_for_url(f"**/inbox/tiket/{ticket.pk}/")
    page.wait_for_function("document.documentElement.classList.contains('js')")
    _shot(page, "operator-ticket-opened", size)
    assert _within(page.evaluate(IN_VIEW, "#reply-body")), "the reply box is off screen"
    assert _within(page.evaluate(IN_VIEW, "#reply-send")), "the send button is off screen"
    last = page.evaluate(IN_VIEW, f"#pesan-{office['last'].pk}")
    composer = page.evaluate(IN_VIEW, "#composer")
    assert _within(last, fully=False) and last["bottom"] <= composer["top"] + 1, (
        "the last message is not in view"
    )
    name = page.evaluate(IN_VIEW, "#ticket-title .name")
    assert name["right"] <= size[0] + 1, "the long name does not wrap"
    _assert_fits(page, size, "ticket")
    if size[0] >= 1366:  # three panes: the list (with this ticket marked), the conversation, the details
        page.locator("#pane-rows tr.current").wait_for()
        assert page.locator("#pane-list").is_visible() and page.locator("#pane-side").is_visible()
        assert page.locator("#pane-rows tr.ticket-row").count() >= 25
    else:
        assert page.locator("#pane-list").is_hidden()
    if size[0] < 1024:
        assert page.locator("#pane-side").is_hidden()  # one pane at a time
    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.id") == "reply-body"
    _assert_focus_visible(page, "composer")
    _shot(page, "operator-ticket", size)

    # "/" opens the picker of canned answers and checklists; Enter inserts the one found.
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "canned-search"
    page.keyboard.type("buku nikah")
    _shot(page, "operator-picker", size)
    page.keyboard.press("Enter")
    assert page.input_value("#reply-body") == f"Halo {LONG_NAME}, untuk {ticket.reference}: bawa buku nikah."
    assert page.locator("#picker").is_hidden()

    # The details: beside the conversation from 1024 px (collapsible), instead of it on a phone.
    page.keyboard.press("Escape")
    page.keyboard.press("i")
    if size[0] < 1024:
        assert page.locator("#pane-side").is_visible() and page.locator("#pane-conv").is_hidden()
        _assert_fits(page, size, "details")
        _shot(page, "operator-details", size)
        page.click("#side-back")
        assert page.locator("#pane-conv").is_visible()
    else:
        assert page.locator("#pane-side").is_hidden()
        page.keyboard.press("i")
        assert page.locator("#pane-side").is_visible()
    page.keyboard.press("?")
    assert page.locator("#shortcut-help .keys").is_visible()

    # Every current capability is still reachable: send the reply.
    page.keyboard.press("Escape")
    page.keyboard.press("r")
    page.keyboard.press("Control+Enter")
    page.wait_for_load_state()
    page.locator(".msg-out", has_text="bawa buku nikah").wait_for()
    assert Message.objects.filter(ticket=ticket, direction="out", author__username="rina").count() == 1
    assert _within(page.evaluate(IN_VIEW, "#reply-body"))
    page.goto("about:blank")  # stop polling before the server goes away
    page.context.close()
    assert problems == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_official_answers_on_one_screen(live_server, chromium, office, device):
    size = VIEWPORTS[device]
    problems: list[str] = []
    page = _page(chromium, size, problems)
    base = live_server.url
    escalation = office["escalation"]
    _login(page, base, "kabid.capil")
    page.goto(f"{base}/pejabat/")
    _assert_fits(page, size, "queue")
    _shot(page, "official-queue", size)
    page.get_by_role("link", name=escalation.ticket.reference).click()
    page.wait_for_load_state()

    # Question, the latest message and the answer box on one screen, without scrolling.
    for selector in (".esc-question blockquote", "#id_answer-answer", ".esc-answer button[type=submit]"):
        assert _within(page.evaluate(IN_VIEW, selector)), f"{selector} is not on the first screen"
    assert _within(page.evaluate(IN_VIEW, ".esc-excerpt .msg:last-child"), fully=False)
    assert "Ini pesan terakhir saya." in page.inner_text(".esc-excerpt")
    _assert_fits(page, size, "escalation")
    page.keyboard.press("Tab")
    _assert_focus_visible(page, "escalation")
    _shot(page, "official-escalation", size)

    # An empty answer: the error is next to the box, in the official's words.
    page.click(".esc-answer button[type=submit]")
    page.wait_for_load_state()
    problems.remove(f"{size[0]}px HTTP 400: {page.url}")  # the form comes back with its error: a 400
    error = page.locator("#answer-error")
    assert error.inner_text() == "⚠ Jawaban belum diisi." or error.inner_text() == "Jawaban belum diisi."
    err, field = page.evaluate(IN_VIEW, "#answer-error"), page.evaluate(IN_VIEW, "#id_answer-answer")
    assert 0 <= field["top"] - err["bottom"] < 16 and _within(err)
    assert page.evaluate("document.activeElement.id") == "id_answer-answer"
    _shot(page, "official-answer-error", size)

    page.fill("#id_answer-answer", "Tidak perlu ke pengadilan; bawa akta asli dan KK ke loket Capil.")
    page.click(".esc-answer button[type=submit]")
    page.wait_for_url(f"{base}/pejabat/")
    escalation.refresh_from_db()
    assert escalation.status == "answered"

    # The operator sees the ticket come back unread.
    operator = _page(chromium, size, problems)
    _login(operator, base, "rina")
    assert "unread" in operator.locator(f"#tiket-{escalation.ticket_id}").get_attribute("class")
    assert Ticket.objects.get(pk=escalation.ticket_id).status == Ticket.Status.ANSWERED
    for p in (page, operator):
        p.goto("about:blank")  # stop polling before the server goes away
        p.context.close()
    assert problems == []
