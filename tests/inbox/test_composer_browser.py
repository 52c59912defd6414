"""The composer's "/" picker in a real browser (tester, issue 16): "/" opens it only at the start of a
line, a slash mid-sentence (" / ") is just a slash, "//" types a slash, the chosen answer goes in at the
cursor (the rest of the text is kept), and a search without a match says "Tidak ada yang cocok".
Screenshots in test-artifacts/screens/."""

from __future__ import annotations

import os

import pytest

from tests.support import ROOT

from .test_screens import LONG_NAME, _login, _page, chromium, office  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.urls("tests.inbox.urls")]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SHOTS = ROOT / "test-artifacts" / "screens"


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


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("size", [(360, 740), (1366, 800)])
def test_typed_replies_are_never_lost(live_server, chromium, office, size):  # noqa: F811
    """Tester (issue 16, round 2): a 5,000-character reply was refused and the composer came back
    empty; switching tickets lost the draft. The refused text comes back with the reason next to the
    box and the channel's limit in a counter; a draft is kept per ticket in this tab's
    sessionStorage (never localStorage: shared office PCs), restored on return and dropped once
    sent; leaving with unsent text asks first."""
    problems: list[str] = []
    page = _page(chromium, size, problems)
    base = live_server.url
    ticket = office["ticket"]
    _login(page, base, "rina")
    page.goto(f"{base}/inbox/tiket/{ticket.pk}/")
    page.wait_for_function("document.documentElement.classList.contains('js')")
    reply = page.locator("#reply-body")
    assert reply.get_attribute("maxlength") is None  # a longer paste is kept whole (N2), counted
    assert reply.get_attribute("data-limit") == "4096"
    assert page.locator("#reply-count").inner_text() == "0 dari 4096 karakter"

    # Too long, sent by a client without the page's check (a script): the server refuses it, kept.
    long_text = "Persyaratan pindah: " + "kata " * 1000
    page.evaluate(
        "text => { const box = document.getElementById('reply-body'); box.value = text;"
        " document.querySelectorAll('[data-limit]').forEach(e => { e.dataset.limit = '100000'; }); }",
        long_text,
    )
    page.evaluate("document.getElementById('reply-form').requestSubmit()")
    page.wait_for_selector("#reply-error")
    page.wait_for_function("document.documentElement.classList.contains('js')")
    assert "batasnya 4.096 karakter" in page.locator("#reply-error").inner_text()
    # The address is the ticket's again (a reload or "back" does not post the reply again).
    assert page.evaluate("location.pathname") == f"/inbox/tiket/{ticket.pk}/"
    assert reply.input_value() == long_text.strip() or reply.input_value() == long_text
    assert "Terlalu panjang: " in page.locator("#reply-count").inner_text()
    assert "dari 4096 karakter" in page.locator("#reply-count").inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"reply-too-long-{size[0]}.png"))

    # A draft survives going to another ticket and back.
    reply.fill("")
    reply.click()
    page.keyboard.type("Baik Bu, berkasnya kami cek dulu.")
    assert page.locator("#reply-count").inner_text() == "33 dari 4096 karakter"
    from tickets.models import Ticket

    other = Ticket.objects.exclude(pk=ticket.pk).order_by("pk").first()
    page.evaluate(
        "href => { const a = document.createElement('a'); a.href = href; a.id = 'to-other';"
        " a.textContent = 'lain'; document.body.appendChild(a); }",
        f"/inbox/tiket/{other.pk}/",
    )
    page.locator("#to-other").click()  # a link within the inbox: no question, the draft is kept
    page.wait_for_url(f"**/inbox/tiket/{other.pk}/")
    page.wait_for_function("document.documentElement.classList.contains('js')")
    assert page.locator("#reply-body").input_value() == ""  # drafts are per ticket
    page.evaluate(
        "href => { const a = document.createElement('a'); a.href = href; a.id = 'to-first';"
        " a.textContent = 'kembali'; document.body.appendChild(a); }",
        f"/inbox/tiket/{ticket.pk}/",
    )
    page.locator("#to-first").click()
    page.wait_for_url(f"**/inbox/tiket/{ticket.pk}/")
    page.wait_for_function("document.documentElement.classList.contains('js')")
    assert page.locator("#reply-body").input_value() == "Baik Bu, berkasnya kami cek dulu."
    assert page.evaluate("Object.keys(localStorage).filter(k => k.indexOf('draft') !== -1)") == []

    # Leaving the page (closing the tab) with unsent text asks first.
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.locator("#reply-body").click()
    page.keyboard.type(" Terima kasih.")
    page.close(run_before_unload=True)
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"] and not page.is_closed()

    # Claiming the ticket (any form of the page) asks nothing and keeps the draft.
    with page.expect_navigation():
        page.evaluate("document.getElementById('claim-btn').form.requestSubmit()")
    page.wait_for_function("document.documentElement.classList.contains('js')")
    assert page.locator("#reply-body").input_value() == "Baik Bu, berkasnya kami cek dulu. Terima kasih."
    assert dialogs == ["beforeunload"]

    # Sent: the draft goes.
    page.click("#reply-send")
    page.wait_for_url(f"**/inbox/tiket/{ticket.pk}/")
    page.wait_for_function("document.documentElement.classList.contains('js')")
    assert page.locator("#reply-body").input_value() == ""
    assert page.evaluate("Object.keys(sessionStorage).filter(k => k.startsWith('curhat-draft-'))") == []
    page.goto("about:blank")
    page.context.close()
    refused = f"HTTP 400: {base}/inbox/tiket/{ticket.pk}/balas/"  # the too-long reply, on purpose
    assert [p for p in problems if not p.endswith(refused)] == []


@pytest.mark.django_db(transaction=True)
def test_ticked_rows_stay_ticked_when_the_live_list_replaces_them(live_server, chromium, office, monkeypatch):  # noqa: F811
    """Tester (issue 16, round 2): two tickets ticked for a bulk action; a citizen writes on one; the
    live refresh put the newer row in place of the old one and the tick was gone."""
    from tickets.inbox.views import common as inbox_views_common
    from tickets.ingest import ticket_ingest
    from tickets.models import Ticket

    from ..factories import inbound

    monkeypatch.setattr(inbox_views_common, "POLL_INTERVAL_MS", 700)
    problems: list[str] = []
    page = _page(chromium, (1366, 800), problems)
    _login(page, live_server.url, "rina")
    page.goto(f"{live_server.url}/inbox/")
    first, second = Ticket.objects.filter(contact__name__startswith="Warga").order_by("-pk")[:2]
    page.check(f"input[name=tickets][value='{first.pk}']")
    page.check(f"input[name=tickets][value='{second.pk}']")
    sender = first.contact.identities.first().value
    ticket_ingest(message=inbound(sender=sender, name=first.contact.name, text="Satu lagi, Pak"))
    page.locator(f"#tiket-{first.pk}", has_text="Satu lagi, Pak").wait_for(timeout=15_000)
    ticked = page.evaluate("[...document.querySelectorAll('input[name=tickets]:checked')].map(e => e.value)")
    assert sorted(ticked) == sorted([str(first.pk), str(second.pk)])
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "list-ticks-kept-1366.png"))
    page.goto("about:blank")
    page.context.close()
    assert [p for p in problems if " 503:" not in p] == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("size", [(1366, 800), (1920, 1080)])
def test_the_list_preview_has_its_own_line(live_server, chromium, office, size):  # noqa: F811
    """Tester (issue 16, round 2): the preview shared one clamped line with the reference and showed
    about one word at 1366/1920. It has its own line now, up to two."""
    problems: list[str] = []
    page = _page(chromium, size, problems)
    _login(page, live_server.url, "rina")
    page.goto(f"{live_server.url}/inbox/")
    row = page.locator(f"#tiket-{office['ticket'].pk}")
    link = row.locator("a.ticket-link").bounding_box()
    preview = row.locator(".preview-line").bounding_box()
    assert preview["y"] >= link["y"] + link["height"] - 1  # below the reference
    assert preview["width"] >= 200  # room for a sentence, not a word
    assert "Ini pesan terakhir saya." in row.locator(".preview-line").inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"list-preview-{size[0]}.png"))
    page.goto(f"{live_server.url}/inbox/tiket/{office['ticket'].pk}/")
    page.locator("#pane-rows tr.ticket-row").first.wait_for()
    page.screenshot(path=str(SHOTS / f"pane-preview-{size[0]}.png"))
    page.goto("about:blank")
    page.context.close()
    assert problems == []


@pytest.mark.django_db(transaction=True)
def test_a_draft_never_reaches_the_next_user_of_a_shared_computer(live_server, chromium, office):  # noqa: F811
    """Outside re-test of issue 16 (N3): the draft was kept under 'curhat-draft-<ticket>', so the next
    operator signing in on the same browser tab found the previous one's unsent reply in the box. It
    is kept per user and ticket, and signing out (or the sign-in page) clears every draft."""
    from django.contrib.auth import get_user_model

    from ..factories import staff_user

    staff_user("budi", group="operator", first_name="Budi", last_name="Operator")
    rina = get_user_model().objects.get(username="rina")
    problems: list[str] = []
    page = _page(chromium, (1366, 800), problems)
    base = live_server.url
    ticket = office["ticket"]
    drafts = "Object.keys(sessionStorage).filter(k => k.startsWith('curhat-draft-'))"
    _login(page, base, "rina")
    page.goto(f"{base}/inbox/tiket/{ticket.pk}/")
    page.wait_for_function("document.documentElement.classList.contains('js')")
    page.locator("#reply-body").click()
    page.keyboard.type("Draf rahasia Rina untuk NIK 7372xxxx.")
    assert page.evaluate(drafts) == [f"curhat-draft-{rina.pk}-{ticket.pk}"]
    # Signing out clears the drafts (the beforeunload question does not stop a sign-out).
    with page.expect_navigation():
        page.locator("header form[action$='/keluar/'] button").click()
    page.wait_for_url(f"{base}/masuk/")
    assert page.evaluate(drafts) == []
    # A draft left by another user (a session that ran out, no sign-out) is not this user's.
    _login(page, base, "budi")
    page.evaluate(f"sessionStorage.setItem('curhat-draft-{rina.pk}-{ticket.pk}', 'Draf Rina')")
    page.goto(f"{base}/inbox/tiket/{ticket.pk}/")
    page.wait_for_function("document.documentElement.classList.contains('js')")
    assert page.locator("#reply-body").input_value() == ""
    # The sign-in page clears them too.
    page.goto(f"{base}/masuk/")
    page.wait_for_load_state()
    assert page.evaluate(drafts) == []
    page.goto("about:blank")
    page.context.close()
    assert problems == []
