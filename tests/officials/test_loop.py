"""The whole escalation loop with real parts: a real browser for the operator and the official, the
Graph API stand-in as the citizen's WhatsApp, and (on PostgreSQL + Redis) a real Celery worker."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.core import mail
from django.utils import timezone

from channels.models import ChannelAccount
from officials.models import Escalation
from officials.services import escalation_answer, escalation_create, escalations_clock_tick
from tests.standins import ProviderStandIn
from tickets.ingest import ticket_ingest
from tickets.models import Department, Message, Official, Ticket
from tickets.reference_data import reference_data_seed

from ..factories import inbound, staff_user
from ..support import WorkerProcess, set_eager, wait_for

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PHONE_NUMBER_ID = "106540352242922"
TOKEN = "EAAG-uji-eskalasi"
PASSWORD = "rahasia-uji-123"
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
def standin(settings):
    server = ProviderStandIn().start()
    server.add_graph_node(PHONE_NUMBER_ID, TOKEN)
    settings.CURHAT_GRAPH_API_BASE_URL = server.base_url
    settings.CURHAT_SANDBOX = False
    settings.CURHAT_AUTOACK_ENABLED = False  # only the escalation's messages reach the "citizen" here
    yield server
    server.stop()


@pytest.fixture
def office(standin):
    reference_data_seed()
    ChannelAccount.objects.create(
        slug="wa-meta",
        name="WhatsApp",
        channel="whatsapp",
        provider="meta_whatsapp",
        address=PHONE_NUMBER_ID,
        secrets={"access_token": TOKEN, "app_secret": "s", "verify_token": "v"},
    )
    operator = staff_user("operator1", group="operator", email="op@example.org", first_name="Nurul")
    official_user = staff_user("kabid.capil", group="official", email="capil@example.org", first_name="Sitti")
    official = Official.objects.create(user=official_user, title="Kabid Capil")
    capil = Department.objects.get(code="capil")
    official.departments.add(capil)
    capil.default_official = official
    capil.save()
    ticket = ticket_ingest(
        message=inbound(
            text="Akta kelahiran anak saya salah nama ibu, harus ke pengadilan?", sender="081234567890"
        ),
        account=ChannelAccount.objects.get(slug="wa-meta"),
    ).ticket
    return {"operator": operator, "official": official_user, "ticket": ticket, "capil": capil}


def _sent_texts(standin) -> list[str]:
    return [r.json.get("text", {}).get("body", "") for r in standin.requests("whatsapp")]


@pytest.fixture
def worker_for_standin(transactional_db, purge_broker, standin):
    """A real worker whose settings (its own environment) point the senders at the stand-in."""
    set_eager(False)
    worker = WorkerProcess(
        extra_env={
            "CURHAT_GRAPH_API_BASE_URL": standin.base_url,
            "CURHAT_SANDBOX": "0",
            "CURHAT_AUTOACK_ENABLED": "0",
        }
    ).start()
    yield worker
    worker.stop()
    set_eager(True)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_answer_reaches_the_citizen_through_a_real_worker(office, standin, worker_for_standin):
    escalation = escalation_create(
        ticket=office["ticket"],
        department=office["capil"],
        question="Perlu pengadilan?",
        requested_by=office["operator"],
    )
    escalation_answer(
        escalation=escalation, user=office["official"], answer="Tidak perlu, cukup ke Capil dengan KK."
    )
    received = standin.wait_for(1, "whatsapp", timeout=30)
    assert received[0].json["to"] == "6281234567890"
    assert received[0].json["text"]["body"] == "Tidak perlu, cukup ke Capil dengan KK."
    assert received[0].headers.get("authorization") == f"Bearer {TOKEN}"
    relayed = Escalation.objects.get(pk=escalation.pk).relayed_message

    def sent():
        relayed.refresh_from_db()
        return relayed.status == Message.Status.SENT

    wait_for(sent, timeout=30, message="the relayed answer to be marked sent")
    assert relayed.provider_message_id == received[0].provider_id


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def _page(browser, problems: list[str], **context_args):
    context = browser.new_context(**context_args)
    page = context.new_page()

    def on_console(message):
        if (
            "Content Security Policy" in message.text
            or "Refused to" in message.text
            or message.type == "error"
        ) and not message.text.startswith("Failed to load resource"):
            problems.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return page


def _login(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/masuk/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("needs_approval", [False, True], ids=["direct", "approval"])
def test_operator_escalates_official_answers_citizen_receives(
    live_server, browser, office, standin, needs_approval
):
    Department.objects.filter(code="capil").update(answer_needs_approval=needs_approval)
    ticket = office["ticket"]
    problems: list[str] = []
    operator = _page(browser, problems)
    _login(operator, live_server, "operator1")
    operator.goto(f"{live_server.url}/inbox/tiket/{ticket.pk}/")
    panel = operator.locator(".escalation-panel")
    panel.locator("select[name=department]").select_option(
        label=office["capil"].short_name or office["capil"].name
    )
    panel.locator("textarea[name=question]").fill(
        "Apakah pembetulan nama ibu di akta perlu penetapan pengadilan?"
    )
    panel.locator("input[name=notify_citizen]").uncheck()
    panel.get_by_role("button", name="Teruskan ke pejabat").click()
    operator.wait_for_load_state()
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.WAITING_OFFICIAL

    official = _page(browser, problems, viewport={"width": 390, "height": 844})
    _login(official, live_server, "kabid.capil")
    official.goto(f"{live_server.url}/pejabat/")
    official.get_by_role("link", name=ticket.reference).click()
    official.wait_for_load_state()
    assert "Apakah pembetulan nama ibu" in official.content()
    answer = "Tidak perlu ke pengadilan. Bawa akta asli dan KK ke loket Capil."
    official.fill("textarea[name=answer-answer]", answer)
    official.get_by_role("button", name="Kirim jawaban").click()
    official.wait_for_load_state()

    if needs_approval:
        assert standin.requests("whatsapp") == []  # held for the operator
        operator.goto(f"{live_server.url}/inbox/tiket/{ticket.pk}/")
        box = operator.locator("form.approve textarea")
        assert box.input_value() == answer
        answer = answer + " Layanan gratis."
        box.fill(answer)
        operator.get_by_role("button", name="Setujui dan kirim ke warga").click()
        operator.wait_for_load_state()

    received = standin.wait_for(1, "whatsapp", timeout=20)
    assert received[0].json["text"]["body"] == answer and received[0].json["to"] == "6281234567890"
    operator.goto(f"{live_server.url}/inbox/tiket/{ticket.pk}/")
    assert answer in operator.content()  # in the ticket's timeline
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.ANSWERED
    assert problems == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_overdue_escalation_with_the_clock_moved_forward(live_server, browser, office):
    escalation = escalation_create(
        ticket=office["ticket"],
        department=office["capil"],
        question="Perlu pengadilan?",
        requested_by=office["operator"],
    )
    mail.outbox.clear()
    later = escalation.due_at + dt.timedelta(minutes=5)
    assert escalations_clock_tick(now=later) == {"reminded": 0, "overdue": 1}
    assert sorted(mail.outbox[-1].to) == ["capil@example.org", "op@example.org"]
    # The clock really moves on: the due time is now in the past for the pages too.
    Escalation.objects.filter(pk=escalation.pk).update(due_at=timezone.now() - dt.timedelta(minutes=5))
    problems: list[str] = []
    official = _page(browser, problems)
    _login(official, live_server, "kabid.capil")
    official.goto(f"{live_server.url}/pejabat/")
    row = official.locator("tr.overdue")
    assert row.count() == 1 and "Lewat jatuh tempo" in row.inner_text()
    operator = _page(browser, problems)
    _login(operator, live_server, "operator1")
    operator.goto(f"{live_server.url}/inbox/tiket/{office['ticket'].pk}/")
    assert "Lewat jatuh tempo" in operator.locator(".escalation-panel").inner_text()
    assert problems == []
