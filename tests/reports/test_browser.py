"""A real browser: an admin signs in, reads the tally, switches year, downloads the XLSX."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from tests.factories import staff_user
from tests.support import ROOT, at_wita

from .builders import make_tickets

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture
def page(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the test
    # itself are still plain synchronous ones.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # The live server thread must not keep a persistent connection open past the test (PostgreSQL
    # refuses to drop the test database while a session is connected).
    from django.db import connections

    monkeypatch.setitem(connections["default"].settings_dict, "CONN_MAX_AGE", 0)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(accept_downloads=True, locale="id-ID")
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.csp_errors = errors
        yield page
        context.close()
        browser.close()


def test_admin_reads_switches_year_and_downloads_xlsx(live_server, page, tmp_path):
    staff_user("kepala", group="admin")
    make_tickets([(at_wita(2021, 3, 31, 23, 30), "phone")] * 3 + [(at_wita(2021, 4, 1, 0, 30), "whatsapp")])
    make_tickets([(at_wita(2022, 1, 10, 9), "email")] * 2)

    page.goto(f"{live_server.url}/laporan/?tahun=2022")
    page.fill("#id_username", "kepala")
    page.fill("#id_password", "rahasia-uji-123")
    page.click("button[type=submit]")
    page.wait_for_url("**/laporan/?tahun=2022")
    assert page.locator("#tally-table tr.total td").last.inner_text() == "2"
    assert page.locator("svg.chart:visible").count() == 3
    screenshots = ROOT / "test-artifacts"
    screenshots.mkdir(exist_ok=True)
    page.screenshot(path=str(screenshots / "reports-tally.png"), full_page=True)

    page.select_option("#id_tahun", "2021")
    page.click("#show-year")
    page.wait_for_url("**/laporan/?tahun=2021**")
    march = page.locator("#tally-table tbody tr").nth(2)
    assert march.locator("th").inner_text() == "MARET"
    assert march.locator("td").nth(1).inner_text() == "3"

    with page.expect_download() as info:
        page.click("#download-xlsx")
    download = info.value
    assert download.suggested_filename == "rekap-curhat-2021.xlsx"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    sheet = load_workbook(path).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert rows[0][:3] == ("NO", "BULAN", "Telepon")
    assert rows[3][1] == "MARET" and rows[3][2] == 3
    assert rows[4][1] == "APRIL" and rows[4][3] == 1
    assert rows[13][1] == "TOTAL" and rows[13][-1] == 4
    assert not [e for e in page.csp_errors if "Content Security Policy" in e]


CHART_FIT = """() => {
  const width = document.documentElement.clientWidth;
  return [...document.querySelectorAll("svg.chart")].filter((svg) => svg.getBoundingClientRect().width > 0)
    .map((svg) => {
      const r = svg.getBoundingClientRect();
      const scale = r.width / svg.viewBox.baseVal.width;
      const smallest = Math.min(...[...svg.querySelectorAll("text")].map((t) => parseFloat(t.getAttribute("font-size")) * scale));
      let box = svg.parentElement;
      return {left: r.left, right: r.right, width, smallest, scrolls: box.scrollWidth > box.clientWidth + 1};
    });
}"""


@pytest.mark.parametrize("size", [(360, 740), (390, 844)])
def test_charts_fit_a_phone(live_server, page, size):
    """Tester, issue 16: at 390 px the charts were cut off (a 640 px minimum width scrolled inside its
    box). Now each chart is as wide as the screen, nothing scrolls, and its text stays readable."""

    staff_user("kepala", group="admin")
    for month in range(1, 13):
        make_tickets(
            [(at_wita(2022, month, 10, 9), "whatsapp")] * (month * 37)
            + [(at_wita(2022, month, 11, 9), "phone")] * 40
        )
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(f"{live_server.url}/laporan/?tahun=2022")
    page.fill("#id_username", "kepala")
    page.fill("#id_password", "rahasia-uji-123")
    page.click("button[type=submit]")
    page.wait_for_url("**/laporan/?tahun=2022")
    charts = page.evaluate(CHART_FIT)
    assert len(charts) == 3
    for chart in charts:
        assert chart["left"] >= 0 and chart["right"] <= chart["width"] + 1, chart
        assert not chart["scrolls"], chart
        assert chart["smallest"] >= 8.5, chart  # px on screen
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    shots = ROOT / "test-artifacts" / "screens"
    shots.mkdir(parents=True, exist_ok=True)
    page.locator(".charts").screenshot(path=str(shots / f"reports-charts-{size[0]}.png"))
    assert not [e for e in page.csp_errors if "Content Security Policy" in e]
