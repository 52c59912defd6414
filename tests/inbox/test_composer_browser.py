"""The composer's "/" picker in a real browser (tester, issue 16): "/" opens it only at the start of a
line, a slash mid-sentence (" / ") is just a slash, "//" types a slash, the chosen answer goes in at the
cursor (the rest of the text is kept), and a search without a match says "Tidak ada yang cocok".
Screenshots in /tmp/shots-i16/ (or $CURHAT_SHOTS)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .test_screens import LONG_NAME, _login, _page, chromium, office  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.urls("tests.inbox.urls")]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SHOTS = Path(os.environ.get("CURHAT_SHOTS", "/tmp/shots-i16"))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("size", [(360, 740), (1366, 800)])
def test_slash_picker_only_at_line_start_and_inserts_at_the_cursor(live_server, chromium, office, size):  # noqa: F811
    problems: list[str] = []
    page = _page(chromium, size, problems)
    base = live_server.url
    ticket = office["ticket"]
    _login(page, base, "rina")
    page.goto(f"{base}/inbox/tiket/{ticket.pk}/")
    page.wait_for_function("document.documentElement.classList.contains('js')")
    reply = page.locator("#reply-body")
    reply.click()

    # Mid-sentence: a slash, no picker, nothing swallowed.
    page.keyboard.type("Bawa KK / akta dan KTP")
    assert page.locator("#picker").is_hidden()
    assert reply.input_value() == "Bawa KK / akta dan KTP"

    # At the start of a new line: the picker; the answer goes in at the cursor, the text stays.
    page.keyboard.press("Enter")
    page.keyboard.type("  ")
    page.keyboard.press("/")
    assert page.locator("#picker").is_visible()
    assert page.evaluate("document.activeElement.id") == "canned-search"
    page.keyboard.type("zzzz tidak ada")
    empty = page.locator("#picker-empty")
    assert empty.is_visible() and empty.inner_text() == "Tidak ada yang cocok"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"picker-no-match-{size[0]}.png"))
    page.fill("#canned-search", "")
    page.keyboard.type("buku nikah")
    assert empty.is_hidden()
    page.keyboard.press("Enter")
    assert page.locator("#picker").is_hidden()
    answer = f"Halo {LONG_NAME}, untuk {ticket.reference}: bawa buku nikah."
    assert reply.input_value() == "Bawa KK / akta dan KTP\n  " + answer
    # The cursor is after the answer: typing goes on from there.
    page.keyboard.type(" Terima kasih.")
    assert reply.input_value().endswith("bawa buku nikah. Terima kasih.")

    # In the middle of the text, at a line start: inserted there, not appended.
    page.evaluate("document.getElementById('reply-body').setSelectionRange(0, 0)")
    page.keyboard.press("/")
    page.keyboard.type("buku nikah")
    page.keyboard.press("Enter")
    assert reply.input_value().startswith(answer + "Bawa KK / akta")

    # "//" at a line start: a literal slash, the picker closed.
    page.fill("#reply-body", "")
    reply.click()
    page.keyboard.press("/")
    page.keyboard.press("/")
    assert page.locator("#picker").is_hidden()
    page.keyboard.type("etc")
    assert reply.input_value() == "/etc"
    page.screenshot(path=str(SHOTS / f"composer-slash-{size[0]}.png"))
    page.goto("about:blank")
    page.context.close()
    assert problems == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("size", [(360, 740), (1366, 800)])
def test_a_long_name_in_the_header_can_be_read_whole(live_server, chromium, office, size):  # noqa: F811
    """Tester: the header cut a long name with no way to see it. Its title holds it, and a tap (or
    Enter) shows it whole, wrapped within the screen."""
    problems: list[str] = []
    page = _page(chromium, size, problems)
    _login(page, live_server.url, "rina")
    page.goto(f"{live_server.url}/inbox/tiket/{office['ticket'].pk}/")
    page.wait_for_function("document.documentElement.classList.contains('js')")
    name = page.locator("#ticket-name")
    assert name.get_attribute("title") == LONG_NAME
    clamped = name.bounding_box()
    assert name.get_attribute("aria-expanded") == "false"
    name.click()
    assert name.get_attribute("aria-expanded") == "true"
    whole = name.bounding_box()
    assert whole["height"] > clamped["height"] and whole["x"] + whole["width"] <= size[0] + 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"header-long-name-{size[0]}.png"))
    page.keyboard.press("Enter")  # focus stays on the name: back to two lines
    assert name.get_attribute("aria-expanded") == "false"
    page.goto("about:blank")
    page.context.close()
    assert problems == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("size", [(360, 740), (1366, 800)])
def test_the_composer_says_free_text_cannot_go_outside_the_window(live_server, chromium, office, size):  # noqa: F811
    """Tester: a reply written after the WhatsApp 24-hour window closed was shown as delivered. With
    no approved template the composer says so and its send button is off."""
    import datetime as dt

    from django.utils import timezone

    from tickets.ingest import ticket_ingest

    from ..factories import inbound

    old = ticket_ingest(
        message=inbound(
            sender="081299990000",
            name="Bu Lama",
            text="KK saya?",
            timestamp=timezone.now() - dt.timedelta(hours=30),
        )
    ).ticket
    problems: list[str] = []
    page = _page(chromium, size, problems)
    _login(page, live_server.url, "rina")
    page.goto(f"{live_server.url}/inbox/tiket/{old.pk}/")
    page.wait_for_function("document.documentElement.classList.contains('js')")
    state = page.locator("#window-state")
    assert "pesan bebas tidak bisa dikirim" in state.inner_text()
    assert page.locator("#reply-send").is_disabled()
    assert page.locator("#reply-send").get_attribute("aria-describedby") == "window-state"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"composer-window-closed-{size[0]}.png"))
    page.goto("about:blank")
    page.context.close()
    assert problems == []
