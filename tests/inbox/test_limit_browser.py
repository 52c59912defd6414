"""Issue 16, re-test (N2): a pasted reply longer than the channel's limit was cut silently by the
box's maxlength (2,503 characters pasted into a Facebook ticket's composer, 2,000 kept, the ending
gone, and the cut text could be sent; the official's answer box on a phone: 4,428 → 4,096 with no
counter). The whole text stays in the box, the counter says "Terlalu panjang: N dari L karakter" in
the error colour and nothing is sent until it fits. Screenshots in test-artifacts/screens/.
"""

from __future__ import annotations

import os

import pytest

from officials.models import Escalation
from tests.support import ROOT
from tickets.models import Message

from .test_screens import _login, _page, chromium, office  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.urls("tests.inbox.urls")]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SHOTS = ROOT / "test-artifacts" / "screens"
DANGER = "rgb(179, 38, 30)"


def _danger(page) -> str:
    return page.evaluate(
        "() => { const d = document.createElement('span'); d.className = 'field-error'; document.body.appendChild(d);"
        " const c = getComputedStyle(d).color; d.remove(); return c; }"
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("size", [(360, 740), (1366, 800)])
def test_an_over_long_pasted_reply_stays_whole_and_is_not_sent(live_server, chromium, office, size):  # noqa: F811
    problems: list[str] = []
    page = _page(chromium, size, problems)
    base = live_server.url
    ticket = office["ticket"]
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" and "/balas/" in r.url else None)
    _login(page, base, "rina")
    posts.clear()
    page.goto(f"{base}/inbox/tiket/{ticket.pk}/")
    page.wait_for_function("document.documentElement.classList.contains('js')")
    sent_before = Message.objects.filter(ticket=ticket, direction="out").count()
    text = ("Balasan panjang tentang syarat KK. " * 125) + "PENUTUP: bawa KTP asli."
    assert len(text) > 4096
    page.fill("#reply-body", text)
    assert page.input_value("#reply-body") == text  # the ending is still there
    counter = page.locator("#reply-count")
    assert counter.inner_text() == f"Terlalu panjang: {len(text)} dari 4096 karakter"
    assert "over" in (counter.get_attribute("class") or "")
    assert page.evaluate("getComputedStyle(document.getElementById('reply-count')).color") == _danger(page)
    assert page.locator("#reply-send").is_disabled()
    # Ctrl+Enter does not send it either.
    page.focus("#reply-body")
    page.keyboard.press("Control+Enter")
    page.wait_for_timeout(500)
    assert posts == []
    assert page.input_value("#reply-body") == text
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"reply-pasted-too-long-{size[0]}.png"), full_page=False)
    # Shortened to fit: the counter is plain again and the reply can go.
    page.fill("#reply-body", "PENUTUP: bawa KTP asli.")
    assert counter.inner_text() == "23 dari 4096 karakter"
    assert not page.locator("#reply-send").is_disabled()
    assert Message.objects.filter(ticket=ticket, direction="out").count() == sent_before
    page.goto("about:blank")
    page.context.close()
    assert problems == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("size", [(360, 740), (1366, 800)])
def test_the_officials_answer_box_counts_and_keeps_an_over_long_answer(live_server, chromium, office, size):  # noqa: F811
    problems: list[str] = []
    page = _page(chromium, size, problems)
    base = live_server.url
    escalation = office["escalation"]
    _login(page, base, "kabid.capil")
    page.goto(f"{base}/pejabat/eskalasi/{escalation.pk}/")
    page.wait_for_load_state()
    counter = page.locator("#answer-count")
    assert counter.inner_text() == "0 dari 4096 karakter"
    text = ("Jawaban pejabat yang sangat rinci tentang persyaratan. " * 80)[
        :4400
    ] + " PENUTUP: datang hari Senin."
    page.fill("#id_answer-answer", text)
    assert page.input_value("#id_answer-answer") == text
    assert counter.inner_text() == f"Terlalu panjang: {len(text)} dari 4096 karakter"
    assert page.evaluate("getComputedStyle(document.getElementById('answer-count')).color") == _danger(page)
    send = page.locator(".esc-answer button[type=submit]")
    assert send.is_disabled()
    page.focus("#id_answer-answer")
    page.keyboard.press("Enter")  # a newline, not a submit; the box is not cut
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"official-answer-too-long-{size[0]}.png"))
    # Sent anyway (a form without this page's script): the server refuses it and keeps it whole.
    page.evaluate("document.querySelector('.esc-answer form').submit()")
    page.wait_for_load_state()
    assert page.input_value("#id_answer-answer").rstrip().endswith("PENUTUP: datang hari Senin.")
    assert "batasnya 4.096 karakter" in page.locator("#answer-error").inner_text()
    assert "Terlalu panjang" in page.locator("#answer-count").inner_text()
    escalation.refresh_from_db()
    assert escalation.status == Escalation.Status.OPEN
    page.goto("about:blank")
    page.context.close()
    refused = f"HTTP 400: {base}/pejabat/eskalasi/{escalation.pk}/"  # the too-long answer, on purpose
    assert [p for p in problems if not p.endswith(refused)] == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("size", [(360, 740), (1366, 800)])
def test_the_overdue_badge_stays_in_its_cell_on_the_officials_queue(live_server, chromium, office, size):  # noqa: F811
    """Outside re-test of issue 16 (N4): at 360 px the "Lewat jatuh tempo" badge of an overdue
    escalation became a 156×84 px oval sticking out of its cell, the due date squeezed one word a
    line. The date keeps one line, the badge sits next to it or under it, nothing sticks out."""
    import datetime as dt

    from django.utils import timezone

    from .test_screens import _assert_fits

    escalation = office["escalation"]
    Escalation.objects.filter(pk=escalation.pk).update(due_at=timezone.now() - dt.timedelta(days=2))
    problems: list[str] = []
    page = _page(chromium, size, problems)
    _login(page, live_server.url, "kabid.capil")
    page.goto(f"{live_server.url}/pejabat/")
    page.wait_for_load_state()
    badge = page.locator("table.queue .badge.danger").first
    assert badge.inner_text() == "Lewat jatuh tempo"
    box = badge.bounding_box()
    assert box is not None and box["height"] < 30, box  # one line, not a stretched oval
    time_box = page.locator("table.queue td.due time").first.bounding_box()
    line = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('table.queue td.due time')).lineHeight)"
    )
    assert time_box is not None and time_box["height"] <= line * 1.5, time_box  # the date on one line
    _assert_fits(page, (360, 740), "official queue")  # at any width: page width, cells and cards
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"official-queue-overdue-{size[0]}.png"), full_page=True)
    page.goto("about:blank")
    page.context.close()
    assert problems == []
