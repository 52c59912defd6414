"""Issue 16, the tester's round, in a real browser (Debian's chromium through Playwright):

- no page breaks the CSP (the anonymous /api/v1/ 403 page had DRF's inline <style>): every main page
  of every role is opened and the console's CSP reports collected;
- every page starts with a "Lewati ke konten utama" skip link, the first thing Tab reaches;
- the toast after an action covers neither the navigation nor the ticket's header, is read out
  (role=status) and goes by itself;
- on a 360×740 phone the official's answer box and send button are on the first screen even under a
  long question.

Screenshots in test-artifacts/screens/.
"""

from __future__ import annotations

import os

import pytest

from officials.services import escalation_create
from tests.support import ROOT
from tickets.models import Department, Message

from ..factories import staff_user
from .test_screens import IN_VIEW, _assert_fits, _login, _page, _within, chromium, office  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.urls("tests.inbox.urls")]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SHOTS = ROOT / "test-artifacts" / "screens"

ANONYMOUS = [
    "/",
    "/tanya/",
    "/lacak/",
    "/privasi/",
    "/masuk/",
    "/api/v1/",
    "/api/v1/tickets/",
    "/persyaratan/",
]
OPERATOR = [
    "/inbox/",
    "/inbox/tiket/{ticket}/",
    "/panggilan/catat/",
    "/api/v1/",
    "/api/v1/tickets/",
    "/api/docs/",
]
ADMIN = [
    "/laporan/",
    "/laporan/layanan/",
    "/laporan/eskalasi/",
    "/laporan/cetak/",
    "/admin/",
    "/admin/tickets/message/",
]
OFFICIAL = ["/pejabat/", "/pejabat/eskalasi/{escalation}/"]


FIRST_FOCUSABLE = """() => document.querySelector(
  'a[href], button, input:not([type=hidden]), select, textarea, [tabindex]:not([tabindex="-1"])').outerHTML"""


def _expected_errors(problems: list[str]) -> list[str]:
    """HTTP 403s of pages that refuse a visitor on purpose are not problems; anything else is."""
    return [p for p in problems if not (" HTTP 403: " in p and "/api/v1/" in p)]


def _walk(page, base, paths, office_data, problems):
    for path in paths:
        url = base + path.format(ticket=office_data["ticket"].pk, escalation=office_data["escalation"].pk)
        page.goto(url)
        page.wait_for_load_state("load")
        html = page.content()
        # Our own pages (not Django's admin, which has its own skip link) start with ours.
        if not path.startswith(("/admin/", "/api/")):
            first = page.evaluate(FIRST_FOCUSABLE)
            assert 'class="skip-link"' in first, (path, first)
            if page.evaluate("document.activeElement !== document.body"):  # autofocus (sign-in)
                continue
            page.keyboard.press("Tab")
            first = page.evaluate("document.activeElement.outerHTML")
            assert 'class="skip-link"' in first and "Lewati ke konten utama" in first, (path, first)
            box = page.evaluate(IN_VIEW, ".skip-link")
            assert _within(box), f"{path}: the focused skip link is off screen"
            page.keyboard.press("Enter")
            assert page.evaluate("document.activeElement.id") == "main", path
        assert "<style" not in html.split("</head>")[0] or path.startswith("/admin/"), path


@pytest.mark.django_db(transaction=True)
def test_no_page_breaks_the_csp_and_each_has_a_skip_link(live_server, chromium, office):  # noqa: F811
    staff_user("kepala", group="admin", superuser=True, first_name="Kepala", last_name="Dinas")
    base = live_server.url
    problems: list[str] = []
    for username, paths in (
        (None, ANONYMOUS),
        ("rina", OPERATOR),
        ("kepala", ADMIN),
        ("kabid.capil", OFFICIAL),
    ):
        page = _page(chromium, (1366, 800), problems)
        if username:
            _login(page, base, username)
        _walk(page, base, paths, office, problems)
        page.goto("about:blank")
        page.context.close()
    assert _expected_errors(problems) == []


@pytest.mark.django_db(transaction=True)
def test_the_anonymous_api_page_is_csp_clean(live_server, chromium, office):  # noqa: F811
    """The tester's case exactly: /api/v1/ as a stranger, a 403 page, no CSP report."""
    problems: list[str] = []
    page = _page(chromium, (1366, 800), problems)
    response = page.goto(f"{live_server.url}/api/v1/")
    assert response.status == 403
    page.wait_for_load_state("load")
    assert [p for p in problems if "CSP" in p or "Content Security Policy" in p] == []
    page.context.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("size", [(360, 740), (1366, 800)])
def test_the_toast_covers_no_header_and_goes(live_server, chromium, office, size):  # noqa: F811
    problems: list[str] = []
    page = _page(chromium, size, problems)
    _login(page, live_server.url, "rina")
    ticket = office["ticket"]
    page.goto(f"{live_server.url}/inbox/tiket/{ticket.pk}/")
    page.wait_for_function("document.documentElement.classList.contains('js')")
    page.keyboard.press("Escape")
    page.keyboard.press("n")
    page.fill("#note-body", "Cek SIAK dulu")
    page.keyboard.press("Control+Enter")
    page.wait_for_load_state()
    toast = page.locator("#flash li")
    toast.wait_for()
    assert toast.get_attribute("role") == "status"
    box = page.evaluate(IN_VIEW, "#flash")
    for covered in (".topbar", ".conv-head", "#composer"):
        other = page.evaluate(IN_VIEW, covered)
        overlap = box["top"] < other["bottom"] and other["top"] < box["bottom"]
        assert not overlap, f"the toast covers {covered}: {box} {other}"
    assert _within(page.evaluate(IN_VIEW, "#reply-send")) or _within(
        page.evaluate(IN_VIEW, "#note-form button")
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"toast-{size[0]}.png"))
    page.locator("#flash").wait_for(state="hidden", timeout=9_000)
    page.goto("about:blank")
    page.context.close()
    assert problems == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("size", [(360, 740), (390, 844)])
def test_the_officials_send_button_is_reachable_on_a_phone(live_server, chromium, office, size):  # noqa: F811
    """Tester: on a 360×740 phone the send button was just below the fold (a real question is longer
    than the screens test's one line)."""
    capil = Department.objects.get(code="capil")
    question = (
        "Warga ini lahir di luar negeri (Malaysia) tahun 1998, orang tuanya belum mencatatkan perkawinan, "
        "dan sekarang ingin membuat akta kelahiran di Parepare dengan surat keterangan lahir dari klinik "
        "di Tawau. Apakah cukup dengan surat pernyataan tanggung jawab mutlak, atau perlu penetapan "
        "pengadilan negeri? Kalau perlu, dokumen apa saja yang harus dibawa ke sidang?"
    )
    escalation = escalation_create(
        ticket=office["ticket"],
        department=capil,
        question=question,
        requested_by=office["escalation"].requested_by,
    )
    problems: list[str] = []
    page = _page(chromium, size, problems)
    _login(page, live_server.url, "kabid.capil")
    page.goto(f"{live_server.url}/pejabat/eskalasi/{escalation.pk}/")
    page.wait_for_load_state()
    assert _within(page.evaluate(IN_VIEW, ".esc-question h2")), "the question does not start the page"
    assert _within(page.evaluate(IN_VIEW, "#id_answer-answer")), "the answer box is off screen"
    assert _within(page.evaluate(IN_VIEW, ".esc-answer button[type=submit]")), "send is off screen"
    _assert_fits(page, size, "escalation")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"official-long-question-{size[0]}.png"))
    # Scrolled to the end, the bar does not hide the last of the page.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    last = page.evaluate(IN_VIEW, "footer")
    assert _within(last, fully=False)
    page.fill("#id_answer-answer", "Perlu penetapan pengadilan; bawa surat lahir yang dilegalisasi.")
    page.click(".esc-answer button[type=submit]")
    page.wait_for_url(f"{live_server.url}/pejabat/")
    escalation.refresh_from_db()
    assert escalation.status == "answered"
    assert Message.objects.filter(ticket=escalation.ticket).exists()
    page.goto("about:blank")
    page.context.close()
    assert problems == []


# Every word in a table cell that the browser laid out on more than one line (split on spaces,
# hyphens and slashes, where a line may break anyway).
BROKEN_WORDS = """() => {
  const broken = [];
  for (const cell of document.querySelectorAll('main td, main th')) {
    if (cell.closest('.long-text') || !cell.offsetParent) continue;
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const re = /[^\\s\\-\\/]{4,}/g;
      let m;
      while ((m = re.exec(node.data))) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        if (lines.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken;
}"""


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("size", [(390, 844), (1366, 800)])
def test_table_cells_keep_their_words_whole(live_server, chromium, office, size):  # noqa: F811
    """Tester (issue 16, round 2): table cells broke words mid-word ("JANU/ARI", "Telepo/n") on the
    reports and the officials' queue, as curhat.css let every cell wrap anywhere."""
    staff_user("kepala", group="admin", superuser=True, first_name="Kepala", last_name="Dinas")
    base = live_server.url
    problems: list[str] = []
    for username, paths in (
        ("kepala", ["/laporan/", "/laporan/layanan/", "/laporan/eskalasi/"]),
        ("kabid.capil", ["/pejabat/"]),
    ):
        page = _page(chromium, size, problems)
        _login(page, base, username)
        for path in paths:
            page.goto(base + path)
            page.wait_for_load_state("load")
            SHOTS.mkdir(parents=True, exist_ok=True)
            name = path.strip("/").replace("/", "-") or "root"
            page.screenshot(path=str(SHOTS / f"cells-{name}-{size[0]}.png"), full_page=True)
            assert page.evaluate(BROKEN_WORDS) == [], (path, size)
            # Wide tables scroll inside their own box (.table-scroll); the page itself never sideways.
            assert page.evaluate("document.documentElement.scrollWidth") <= size[0], (path, size)
        page.goto("about:blank")
        page.context.close()
    assert problems == []
