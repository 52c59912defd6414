"""Small things every page shares (issue 16): a favicon, /api/docs/ inside the CSP and behind the
sign-in page, one date format per context, and "WhatsApp Chat" spelled so except in the office's own
table."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone, translation
from django.utils.formats import date_format

from reports.charts import channel_shares
from reports.office_format import channel_label, office_column_label
from reports.periods import Period
from reports.selectors import tally
from tickets.ingest import ticket_ingest
from tickets.models import Message

from .factories import inbound

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.website.urls")]

# "01 Des 2026 08:18": the one list/page format (curhat/formats/).
DATETIME = re.compile(r"\b\d{2} (Jan|Feb|Mar|Apr|Mei|Jun|Jul|Agu|Sep|Okt|Nov|Des) \d{4} \d{2}:\d{2}\b")
OTHER_SHAPES = [
    re.compile(r"\b\d{2}-\d{2}-\d{4} \d{2}:\d{2}\b"),  # 01-12-2026 08:18
    re.compile(r"\b\d{1,2} \w{3}\.? \d{4}, \d{1,2}[.:]\d{2}\b"),  # 1 Des 2026, 08:17 / 1 Des. 2026, 13.19
]


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("root", "root@example.id", "x-Sandi-Panjang-2026")
    client.force_login(user)
    return client


def test_favicon_is_served_and_linked(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/vnd.microsoft.icon"
    body = b"".join(response) if response.streaming else response.content
    assert body[:4] == b"\x00\x00\x01\x00" and b"PNG" in body  # an ICO holding a PNG
    for page in ("/", "/masuk/", "/tanya/"):
        assert '<link rel="icon" href="/static/favicon.ico"' in client.get(page).content.decode()


def test_favicon_answers_head(client):
    """Tester (issue 16, round 2): HEAD /favicon.ico was 405 (monitors and caches ask with HEAD)."""
    response = client.head("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/vnd.microsoft.icon"
    assert client.post("/favicon.ico").status_code == 405


def test_anonymous_api_docs_go_to_the_sign_in_page(client):
    response = client.get("/api/docs/")
    assert response.status_code == 302
    assert response["Location"] == "/masuk/?next=/api/docs/"


def test_api_docs_have_no_inline_style_or_script(admin_client):
    response = admin_client.get("/api/docs/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<style" not in html and " style=" not in html
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None
    assert "/static/css/api-docs.css" in html
    policy = response["Content-Security-Policy"]
    assert "style-src 'self'" in policy and "unsafe-inline" not in policy


def test_one_datetime_format_on_the_citizen_admin_and_knowledge_pages(client, admin_client):
    moment = timezone.make_aware(dt.datetime(2026, 12, 1, 8, 18))
    ticket = ticket_ingest(
        message=inbound(channel="website", provider="website", text="Syarat KK?", timestamp=moment)
    ).ticket
    with translation.override("id"):
        assert date_format(timezone.localtime(moment), "DATETIME_FORMAT") == "01 Des 2026 08:18"
        assert date_format(timezone.localtime(moment).date()) == "01 Des 2026"
    pages = [
        client.get(f"/lacak/{ticket.tracking_token}/").content.decode(),
        admin_client.get("/admin/tickets/message/").content.decode(),
        admin_client.get(f"/admin/tickets/ticket/{ticket.pk}/change/").content.decode(),
    ]
    for html in pages:
        for shape in OTHER_SHAPES:
            assert not shape.search(html), shape.search(html)
    assert "01 Des 2026 08:18" in pages[0]
    message = Message.objects.get(ticket=ticket)
    assert date_format(timezone.localtime(message.created_at), "DATETIME_FORMAT") in pages[1]
    assert all(DATETIME.search(html) for html in pages[:2])


def test_whatsapp_chat_is_spelled_so_except_in_the_office_table():
    assert channel_label("whatsapp") == "WhatsApp Chat"
    assert channel_label("whatsapp_call") == "WhatsApp Telepon"
    # The office's own table keeps the office's spelling (reports/office_format.py says why).
    assert office_column_label("whatsapp") == "Whatsapp Chat"
    table = tally(period=Period.year(2021))
    assert "Whatsapp Chat" in table.headers
    assert "WhatsApp Chat" in channel_shares(table) and "Whatsapp Chat" not in channel_shares(table)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_api_docs_render_in_a_browser_without_csp_refusals(live_server, monkeypatch):
    from django.db import connections
    from playwright.sync_api import sync_playwright

    from .factories import staff_user
    from .website.test_browser import CHROMIUM_ARGS

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    monkeypatch.setitem(connections["default"].settings_dict, "CONN_MAX_AGE", 0)
    staff_user("docs-admin", group="admin")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(f"{live_server.url}/api/docs/")
        page.wait_for_url("**/masuk/?next=/api/docs/")
        page.fill("#id_username", "docs-admin")
        page.fill("#id_password", "rahasia-uji-123")
        page.locator("main button[type=submit]").click()
        page.wait_for_url("**/api/docs/")
        page.wait_for_selector(".swagger-ui .info .title")
        assert "Curhat Adminduk API" in page.locator(".swagger-ui .info .title").inner_text()
        assert [e for e in errors if "Content Security Policy" in e or "Refused" in e] == []
        browser.close()
