"""Reports (issue 16): the API returns the office's published tables (a range and a basis), the year
list covers every year with tickets or imported figures, the year-over-year chart marks the month
under way instead of drawing a fall, and at 390 px the table scrolls in its own box."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from reports.charts import year_over_year_lines
from reports.selectors import report_years, year_over_year
from tests.factories import staff_user
from tests.support import ROOT, at_wita

from .builders import OFFICE_JSON, make_tickets, office_figures

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_admin(admin_user):
    from rest_framework.authtoken.models import Token

    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.create(user=admin_user).key}"
    return client


def _office_months(year: str) -> dict[str, dict]:
    return office_figures()[year]["months"]


def test_api_returns_the_office_tables_of_2020_and_2021(api_admin):
    call_command("import_tallies", str(OFFICE_JSON))
    url = "/api/v1/reports/tally/"
    data = api_admin.get(url, {"basis": "historical", "from": "2020-03", "to": "2020-12"}).json()
    assert data["basis"] == "historical" and data["from"] == "2020-03-01" and data["to"] == "2020-12-31"
    assert [r["label"] for r in data["rows"]] == list(_office_months("2020"))  # MARET ... NOPEMBER ...
    assert [r["total"] for r in data["rows"]] == [m["total"] for m in _office_months("2020").values()]
    assert data["total"] == 9970
    assert {c: data["totals"][c] for c in ("whatsapp", "email", "facebook", "website")} == {
        "whatsapp": 9847,
        "email": 23,
        "facebook": 20,
        "website": 80,
    }
    assert data["table"][-1][1] == "TOTAL" and data["table"][-1][-1] == "9.970"

    data = api_admin.get(url, {"basis": "historical", "from": "2021-01", "to": "2021-08"}).json()
    months = _office_months("2021")
    assert [r["label"] for r in data["rows"]] == list(months)
    for row, (_label, cells) in zip(data["rows"], months.items(), strict=True):
        assert {c: row["counts"][c] for c in cells if c != "total"} == {
            c: n for c, n in cells.items() if c != "total"
        }
    assert data["total"] == 2457 and data["totals"]["phone"] == 1007


def test_api_basis_live_and_combined_and_bad_input(api_admin):
    call_command("import_tallies", str(OFFICE_JSON))
    make_tickets([(at_wita(2021, 3, 10, 9, 0), "whatsapp"), (at_wita(2021, 9, 1, 9, 0), "email")])
    url = "/api/v1/reports/tally/"
    live = api_admin.get(url, {"from": "2021-01", "to": "2021-08"}).json()
    assert live["basis"] == "live" and live["total"] == 1
    combined = api_admin.get(url, {"basis": "combined", "from": "2021-01", "to": "2021-08"}).json()
    assert combined["total"] == 2457 + 1
    assert api_admin.get(url, {"year": 2021, "basis": "gabungan"}).json()["total"] == 2457 + 2
    assert api_admin.get(url, {"basis": "semua"}).status_code == 400
    assert api_admin.get(url, {"from": "2021-01"}).status_code == 400
    assert api_admin.get(url, {"from": "2021-08", "to": "2021-01"}).status_code == 400


def test_the_year_list_covers_every_year_with_tickets_or_figures(admin_client):
    call_command("import_tallies", str(OFFICE_JSON))
    this_year = timezone.localdate().year
    make_tickets([(at_wita(2016, 5, 1, 9, 0), "phone")])
    assert report_years() == list(range(2016, this_year + 1))
    html = admin_client.get("/laporan/").content.decode()
    offered = {int(y) for y in re.findall(r'<option value="(\d{4})"', html)}
    assert set(range(2016, this_year + 1)) <= offered


def test_the_month_under_way_is_marked_not_drawn_as_a_fall():
    today = timezone.localdate()
    if today.month == 1:
        pytest.skip("the month under way is the first point: no line to draw")
    earlier = timezone.make_aware(dt.datetime(today.year, today.month - 1, 10, 9))
    now = timezone.make_aware(dt.datetime(today.year, today.month, 1, 0, 30))
    make_tickets([(earlier, "whatsapp")] * 30 + [(now, "whatsapp")])
    [series] = year_over_year(years=[today.year])
    assert series.partial_month == today.month and series.through == today
    svg = str(year_over_year_lines([series]))
    assert 'class="partial-month"' in svg
    assert f"berjalan (s.d. tgl {today.day})" in svg
    # The whole months' line stops before the month under way.
    polyline = re.search(r'<polyline points="([^"]+)"', svg)
    assert polyline is None or len(polyline.group(1).split()) == today.month - 1


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_tally_reads_well_at_390_px(live_server, monkeypatch, calendar_table):
    from django.db import connections
    from playwright.sync_api import sync_playwright

    from .test_browser import CHROMIUM_ARGS

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    monkeypatch.setitem(connections["default"].settings_dict, "CONN_MAX_AGE", 0)
    call_command("import_tallies", str(OFFICE_JSON))
    make_tickets([(at_wita(2021, 3, 10, 9, 0), "whatsapp"), (at_wita(2021, 4, 2, 9, 0), "sms")])
    staff_user("admin-390", group="admin")
    shots = ROOT / "test-artifacts" / "screens"
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for name, (width, height) in {"phone": (390, 844), "desk": (1366, 800)}.items():
            context = browser.new_context(viewport={"width": width, "height": height}, locale="id-ID")
            page = context.new_page()
            errors: list[str] = []
            page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
            page.goto(f"{live_server.url}/masuk/?next=/laporan/%3Ftahun%3D2021%26sumber%3Dgabungan")
            page.fill("#id_username", "admin-390")
            page.fill("#id_password", "rahasia-uji-123")
            page.locator("main button[type=submit]").click()
            page.wait_for_selector("#tally-table")
            # The page itself never scrolls sideways; the table's own box does.
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            box = page.locator(".table-scroll").first
            if name == "phone":
                assert box.evaluate("el => el.scrollWidth > el.clientWidth")
                # Charts fit the phone (the narrow drawing is shown) and are not shrunk to nothing.
                widths = page.locator("svg.chart").evaluate_all(
                    "els => els.map(el => el.getBoundingClientRect().width).filter(w => w > 0)"
                )
                assert widths and all(300 <= w <= width for w in widths), widths
            page.screenshot(path=str(shots / f"report-tally-{name}.png"), full_page=True)
            assert errors == []
            context.close()
        browser.close()
