"""The inbox in a real browser (Debian's chromium through Playwright) against the live server.

An operator signs in, finds a WhatsApp ticket by search, replies with a canned answer (sent to a
stand-in of Meta's Graph API on 127.0.0.1), sees the reply become "delivered" when the status
callback is applied, adds a note, assigns and closes; a second operator in another browser context
sees the first one's presence and the new messages without reloading. No CSP violation is allowed.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.db import connection, connections
from django.utils import timezone

from channels.models import ChannelAccount
from tickets.delivery_reports import message_status_apply
from tickets.inbox.views import common as inbox_views_common
from tickets.ingest import ticket_ingest
from tickets.models import CannedAnswer, Message, Ticket
from tickets.reference_data import reference_data_seed

from ..factories import inbound, staff_user
from ..support import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.urls("tests.inbox.urls")]

# Playwright's sync API runs an event loop in this thread; the ORM calls of the test itself are
# plain synchronous code between browser steps.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ACCESS_TOKEN = "uji-token-graph"
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts"


class GraphStandIn(BaseHTTPRequestHandler):
    """Meta's Cloud API ``POST /<version>/<phone-number-id>/messages`` as documented: bearer token,
    JSON body, answers ``{"messaging_product", "contacts", "messages": [{"id": "wamid..."}]}``."""

    received: list[dict] = []

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        payload = json.loads(self.rfile.read(length) or b"{}")
        if self.headers.get("Authorization") != f"Bearer {ACCESS_TOKEN}":
            self._json(
                401,
                {"error": {"message": "Invalid OAuth access token.", "type": "OAuthException", "code": 190}},
            )
            return
        wamid = f"wamid.{uuid.uuid4().hex}"
        self.received.append({"path": self.path, "payload": payload, "id": wamid})
        self._json(
            200,
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": payload.get("to"), "wa_id": payload.get("to")}],
                "messages": [{"id": wamid}],
            },
        )

    def _json(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def graph_server():
    GraphStandIn.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), GraphStandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def _watch_console(page, problems: list[str]) -> None:
    """Every CSP violation, script error and failed request (except the browser's own favicon
    probe) is a problem."""

    def on_console(message):
        text = message.text
        csp_violation = "Content Security Policy" in text or "Refused to" in text
        # Failed loads are reported by on_response with their URL (the favicon probe excepted).
        script_error = message.type == "error" and not text.startswith("Failed to load resource")
        if csp_violation or script_error:
            problems.append(f"{message.type}: {text}")

    def on_response(response):
        if response.url.endswith("/favicon.ico"):
            return
        # SQLite (the first test pass) has one writer at a time: a poll may be told 503 "busy,
        # retry" and the next tick retries. Anything else, or a 503 elsewhere, is a problem.
        busy_poll = response.status == 503 and connection.vendor == "sqlite" and _is_poll(response.url)
        if response.status >= 400 and not busy_poll:
            problems.append(f"HTTP {response.status}: {response.url}")

    page.on("console", on_console)
    page.on("response", on_response)
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))


def _is_poll(url: str) -> bool:
    return "/inbox/baru/" in url or "/kabar/" in url


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/masuk/")
    page.fill("#id_username", username)
    page.fill("#id_password", "rahasia-uji-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/inbox/")


@pytest.mark.django_db(transaction=True)
def test_operator_flow_and_second_operator_sees_it_live(
    live_server, browser, graph_server, settings, monkeypatch
):
    # The live server's request threads must not keep connections open past the test (the test
    # database is dropped afterwards).
    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 0)
    settings.CURHAT_SANDBOX = False
    settings.CURHAT_GRAPH_API_BASE_URL = graph_server
    monkeypatch.setattr(inbox_views_common, "POLL_INTERVAL_MS", 700)
    reference_data_seed()
    staff_user("rina", group="operator", first_name="Rina", last_name="Operator")
    budi = staff_user("budi", group="operator", first_name="Budi", last_name="Operator")
    ChannelAccount.objects.create(
        slug="wa-meta",
        name="WhatsApp kantor",
        channel="whatsapp",
        provider="meta_whatsapp",
        address="106540352242922",
        config={"phone_number_id": "106540352242922"},
        secrets={"access_token": ACCESS_TOKEN},
    )
    CannedAnswer.objects.create(
        title="Syarat KK baru",
        body="Halo {nama}, untuk {nomor_tiket}: bawa buku nikah dan surat pengantar RT/RW.",
        shortcut="kk",
    )
    CannedAnswer.objects.create(title="Akta kematian", body="Bawa surat keterangan kematian.")
    ticket = ticket_ingest(
        message=inbound(sender="0811-415-227", name="Bu Rahmawati", text="Syarat bikin KK baru apa saja?")
    ).ticket
    ticket_ingest(message=inbound(sender="081299990000", name="Pak Lain", text="KTP-el saya rusak"))
    base = live_server.url
    problems: list[str] = []
    SHOTS.mkdir(exist_ok=True)

    ctx_a = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
    ctx_b = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID")  # a phone
    a, b = ctx_a.new_page(), ctx_b.new_page()
    _watch_console(a, problems)
    _watch_console(b, problems)

    # Budi watches the inbox list: a new ticket will appear there without a reload.
    _login(b, base, "budi")

    # Rina finds the WhatsApp ticket by searching the phone number as citizens write it.
    _login(a, base, "rina")
    a.fill("#id_q", "0811 415 227")
    a.press("#id_q", "Enter")
    a.wait_for_url("**/inbox/?q=*")
    rows = a.locator("tr.ticket-row")
    assert rows.count() == 1
    assert "+62811***227" in rows.first.inner_text()
    rows.first.locator("a.ticket-link").click()
    a.wait_for_url(f"**/inbox/tiket/{ticket.pk}/")

    # A new citizen writes while Budi has the list open: the row appears by polling.
    newcomer = ticket_ingest(
        message=inbound(sender="081377778888", name="Ibu Baru", text="Mau tanya KIA")
    ).ticket
    b.locator(f"#tiket-{newcomer.pk}").wait_for(timeout=15_000)
    b.screenshot(path=str(SHOTS / "inbox-list-phone.png"), full_page=True)

    # Budi opens the same ticket: each sees the other.
    b.goto(f"{base}/inbox/tiket/{ticket.pk}/")
    a.locator("#presence", has_text="Budi Operator sedang melihat").wait_for(timeout=15_000)
    b.locator("#presence", has_text="Rina Operator sedang melihat").wait_for(timeout=15_000)

    # Canned answer: search, one click, filled in with name and reference.
    a.fill("#canned-search", "nikah")
    assert a.locator(".canned-item:visible").count() == 1
    a.click(".canned-item:visible")
    body = a.input_value("#reply-body")
    assert body == f"Halo Bu Rahmawati, untuk {ticket.reference}: bawa buku nikah dan surat pengantar RT/RW."
    a.type("#reply-body", " Terima kasih.")
    b.locator("#presence", has_text="Rina Operator sedang mengetik").wait_for(timeout=15_000)
    assert "Pesan bebas bisa dikirim" in a.inner_text("#window-state")
    a.click("#reply-send")
    a.wait_for_load_state()
    # (Other outbound messages, such as an automatic acknowledgement, may exist: take Rina's.)
    reply = wait_for(
        lambda: Message.objects.filter(ticket=ticket, direction="out", author__username="rina").first(),
        message="reply",
    )
    sent = wait_for(
        lambda: Message.objects.filter(pk=reply.pk, status="sent").exclude(provider_message_id="").first(),
        message="reply sent to the Graph stand-in",
    )
    posted = [r for r in GraphStandIn.received if r["id"] == sent.provider_message_id]
    assert len(posted) == 1
    assert posted[0]["payload"]["to"] == "62811415227"
    assert posted[0]["payload"]["text"]["body"] == body + " Terima kasih."
    badge = a.locator(f"[data-status-for='{reply.pk}']")
    badge.wait_for()

    a.screenshot(path=str(SHOTS / "inbox-ticket-desktop.png"), full_page=True)
    # Budi sees Rina's reply appear without reloading.
    b.locator(f"#pesan-{reply.pk}").wait_for(timeout=15_000)

    # The provider's status callback arrives: the badge turns "Sampai" (delivered) on both pages.
    message_status_apply(
        provider=sent.provider,
        provider_message_id=sent.provider_message_id,
        status="delivered",
        timestamp=timezone.now(),
    )
    a.locator(f"[data-status-for='{reply.pk}']", has_text="Sampai").wait_for(timeout=15_000)
    b.locator(f"[data-status-for='{reply.pk}']", has_text="Sampai").wait_for(timeout=15_000)

    # The citizen answers: both pages show it without reload.
    answer = ticket_ingest(message=inbound(sender="0811-415-227", text="Baik, terima kasih banyak")).message
    a.locator(f"#pesan-{answer.pk}").wait_for(timeout=15_000)
    b.locator(f"#pesan-{answer.pk}").wait_for(timeout=15_000)

    # Keyboard: n focuses the note box; then note, assign, close.
    a.locator("body").press("Escape")
    a.keyboard.press("n")
    assert a.evaluate("document.activeElement.id") == "note-body"
    a.keyboard.type("Warga akan datang hari Senin")
    a.click("#note-form button[type=submit]")
    a.wait_for_load_state()
    a.locator(".msg-note", has_text="Warga akan datang hari Senin").wait_for()
    a.select_option("#assignee", str(budi.pk))
    a.click("#assign-form button[type=submit]")
    a.locator("#ticket-assignee", has_text="Budi Operator").wait_for()
    a.click("#status-close")
    a.locator("#ticket-status", has_text="Ditutup").wait_for()
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CLOSED and ticket.assignee_id == budi.pk
    b.locator(".msg-note", has_text="Warga akan datang hari Senin").wait_for(timeout=15_000)

    # Stop polling before the server goes away (no request thread left holding a connection).
    for page in (a, b):
        page.goto("about:blank")
    ctx_a.close()
    ctx_b.close()
    assert problems == []
