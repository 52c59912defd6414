"""The inbox list: what a row shows, filters and search in the URL, keyset pages, live updates,
bulk actions, and a pinned number of queries whatever the page size."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from officials.models import Escalation
from tickets.inbox.selectors import search
from tickets.inbox.selectors.listing import InboxQuery, inbox_page
from tickets.inbox.services import ticket_assign
from tickets.models import Department, Message, Ticket, TicketReadState, Topic
from tickets.relay import outbox

from .conftest import make_ticket

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.inbox.urls")]


def _rows(response) -> list[str]:
    return [row.ticket.reference for row in response.context["rows"]]


def test_row_shows_masked_contact_topic_status_and_unread(op_client, operator):
    ticket = make_ticket(sender="0811-415-227", name="Bu Rahma")
    Ticket.objects.filter(pk=ticket.pk).update(topic=Topic.objects.get(code="kk"))
    html = op_client.get(reverse("inbox:list")).content.decode()
    assert ticket.reference in html
    assert "+62811***227" in html and "+62811415227" not in html
    assert "Kartu Keluarga (KK)" in html
    assert "Bu Rahma" in html
    assert 'class="ticket-row unread"' in html
    assert 'aria-label="WhatsApp Chat"' in html
    # Opening the ticket marks it read.
    op_client.get(reverse("inbox:ticket", args=[ticket.pk]))
    assert TicketReadState.objects.filter(user=operator, ticket=ticket).exists()
    assert 'class="ticket-row unread"' not in op_client.get(reverse("inbox:list")).content.decode()


def test_row_shows_delivery_state_of_last_reply(op_client, operator):
    ticket = make_ticket()
    outbox.message_reply_create(ticket=ticket, author=operator, body="Siap, Pak.")
    reply = Message.objects.get(direction="out")
    Message.objects.filter(pk=reply.pk).update(status="failed", error_text="nomor tidak terdaftar")
    row = op_client.get(reverse("inbox:list")).context["rows"][0]
    assert row.last_reply_status == "failed" and row.last_reply_status_label == "Gagal"


def test_filters_status_channel_topic_department_assignee(op_client, operator, operator2):
    wa = make_ticket(sender="081200000001")
    mail = make_ticket(sender="warga@example.id", sender_kind="email", channel="email", provider="email_imap")
    closed = make_ticket(sender="081200000003")
    Ticket.objects.filter(pk=closed.pk).update(status="closed")
    kk = Topic.objects.get(code="kk")
    Ticket.objects.filter(pk=wa.pk).update(topic=kk, department=kk.department)
    ticket_assign(ticket=mail, assignee=operator)
    url = reverse("inbox:list")
    assert set(_rows(op_client.get(url))) == {wa.reference, mail.reference}
    assert _rows(op_client.get(url, {"status": "semua"})).count(closed.reference) == 1
    assert _rows(op_client.get(url, {"status": "closed"})) == [closed.reference]
    assert _rows(op_client.get(url, {"channel": "email"})) == [mail.reference]
    assert _rows(op_client.get(url, {"topic": kk.pk})) == [wa.reference]
    assert _rows(op_client.get(url, {"department": kk.department_id})) == [wa.reference]
    assert _rows(op_client.get(url, {"assigned": "mine"})) == [mail.reference]
    assert _rows(op_client.get(url, {"assigned": "unassigned"})) == [wa.reference]


def test_waiting_on_official_and_date_range(op_client, operator):
    old = make_ticket(sender="081200000011", timestamp=timezone.now() - dt.timedelta(days=10))
    new = make_ticket(sender="081200000012")
    Escalation.objects.create(
        ticket=old,
        department=Department.objects.get(code="capil"),
        question="Bisa akta lahir terlambat?",
        requested_by=operator,
        due_at=timezone.now() + dt.timedelta(days=1),
    )
    url = reverse("inbox:list")
    assert _rows(op_client.get(url, {"waiting": "on"})) == [old.reference]
    today = timezone.localdate()
    assert _rows(op_client.get(url, {"date_from": today.isoformat()})) == [new.reference]
    older = (today - dt.timedelta(days=5)).isoformat()
    assert _rows(op_client.get(url, {"date_to": older})) == [old.reference]


@pytest.mark.parametrize(
    "needle",
    ["0811 415 227", "+62811415227", "62811415227", "Rahmawati", "akta", "AKTA KEMATIAN"],
)
@pytest.mark.parametrize("few_matches", [2000, 0], ids=["rare-word-plan", "common-word-plan"])
def test_search_by_phone_any_spelling_name_and_text(op_client, needle, few_matches, monkeypatch):
    # Both PostgreSQL search plans (ids for rare words, per-ticket EXISTS for common ones).
    monkeypatch.setattr(search, "FEW_MATCHES", few_matches)
    wanted = make_ticket(sender="0811-415-227", name="Rahmawati", text="Mau urus akta kematian ayah saya")
    make_ticket(sender="081299999999", name="Budi", text="Syarat KTP-el hilang?")
    assert _rows(op_client.get(reverse("inbox:list"), {"q": needle})) == [wanted.reference]


@pytest.mark.parametrize("few_matches", [2000, 1, 0], ids=["rare", "more-than-the-statistics-said", "common"])
def test_search_finds_every_match_whichever_plan(op_client, few_matches, monkeypatch):
    """With one allowed match but three found, the rare-word plan gives way to the common one."""
    monkeypatch.setattr(search, "FEW_MATCHES", few_matches)
    wanted = [make_ticket(sender=f"08170000{n:04d}", text=f"dompet saya hilang {n}") for n in range(3)]
    make_ticket(sender="081799999999", text="Syarat KK baru?")
    found = _rows(op_client.get(reverse("inbox:list"), {"q": "dompet"}))
    assert sorted(found) == sorted(ticket.reference for ticket in wanted)


@pytest.mark.postgres
def test_a_word_the_statistics_call_common_is_not_fetched_but_found(op_client, monkeypatch):
    """After ANALYZE, a word in more than FEW_MATCHES messages goes straight to the per-ticket check
    (no fetch of its matches through the GIN index); a word the statistics do not list is fetched."""
    monkeypatch.setattr(search, "FEW_MATCHES", 5)
    common = [make_ticket(sender=f"08180000{n:04d}", text=f"dompet hilang {n}") for n in range(12)]
    rare = make_ticket(sender="081899999999", text="surat pindah datang")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tickets_message")
        cursor.execute("ANALYZE tickets_contact")
    assert search._common_everywhere("dompet") == {"tickets_message"}
    assert search._common_everywhere("pindah") == set()
    url = reverse("inbox:list")
    with CaptureQueriesContext(connection) as ctx:
        found = _rows(op_client.get(url, {"q": "dompet", "n": 50}))
    assert sorted(found) == sorted(ticket.reference for ticket in common)
    probes = [
        q["sql"] for q in ctx.captured_queries if q["sql"].startswith('SELECT "tickets_message"."ticket_id"')
    ]
    assert probes == []
    with CaptureQueriesContext(connection) as ctx:
        assert _rows(op_client.get(url, {"q": "pindah"})) == [rare.reference]
    probes = [
        q["sql"] for q in ctx.captured_queries if q["sql"].startswith('SELECT "tickets_message"."ticket_id"')
    ]
    assert len(probes) == 1


def test_edited_message_text_is_searched_as_it_now_reads(op_client):
    """PostgreSQL keeps the stored search vector with the text: an erased message is not found."""
    ticket = make_ticket(text="nomor KK saya 7372011234560001 hilang")
    url = reverse("inbox:list")
    assert _rows(op_client.get(url, {"q": "7372011234560001"})) == [ticket.reference]
    Message.objects.filter(ticket=ticket).update(body="[dihapus]")
    assert _rows(op_client.get(url, {"q": "7372011234560001"})) == []
    assert _rows(op_client.get(url, {"q": "dihapus"})) == [ticket.reference]


def test_search_by_reference_and_email(op_client):
    wanted = make_ticket(
        sender="Warga.Satu@Example.ID", sender_kind="email", channel="email", provider="email_imap"
    )
    other = make_ticket(sender="081299999998")
    url = reverse("inbox:list")
    assert _rows(op_client.get(url, {"q": wanted.reference})) == [wanted.reference]
    assert _rows(op_client.get(url, {"q": other.reference.lower()})) == [other.reference]
    assert _rows(op_client.get(url, {"q": "warga.satu@example.id"})) == [wanted.reference]


def test_search_and_filters_are_kept_in_the_url(op_client):
    for n in range(12):
        make_ticket(sender=f"08120000{n:04d}", text="tanya KK")
    response = op_client.get(reverse("inbox:list"), {"q": "KK", "channel": "whatsapp", "n": 10})
    next_url = response.context["next_url"]
    assert "q=KK" in next_url and "channel=whatsapp" in next_url and "cursor=" in next_url
    html = response.content.decode()
    assert 'value="KK"' in html


def test_keyset_pages_cover_everything_once(op_client, operator):
    base = timezone.now() - dt.timedelta(hours=1)
    tickets = [
        make_ticket(sender=f"08130000{n:04d}", timestamp=base + dt.timedelta(minutes=n)) for n in range(23)
    ]
    # Same last activity for two tickets: the id breaks the tie.
    Ticket.objects.filter(pk=tickets[5].pk).update(last_activity_at=tickets[6].last_activity_at)
    seen, cursor = [], ""
    for _page in range(5):
        page = inbox_page(user=operator, query=InboxQuery(), cursor=cursor, size=10)
        seen += [row.ticket.pk for row in page.rows]
        cursor = page.next_cursor
        if not cursor:
            break
    assert len(seen) == 23 and set(seen) == {t.pk for t in tickets}
    expected = list(Ticket.objects.order_by("-last_activity_at", "-id").values_list("pk", flat=True))
    assert seen == expected


def test_bad_cursor_and_bad_filter_are_400(op_client):
    assert op_client.get(reverse("inbox:list"), {"cursor": "!!!"}).status_code == 400
    assert op_client.get(reverse("inbox:list"), {"status": "nonsense"}).status_code == 400
    assert op_client.get(reverse("inbox:poll"), {"since": "abc"}).status_code == 400


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31"])
@pytest.mark.parametrize("name", ["date_from", "date_to"])
def test_filter_dates_at_the_ends_of_the_calendar_are_a_400(op_client, name, value):
    response = op_client.get(reverse("inbox:list"), {name: value})
    assert response.status_code == 400
    assert "tanggal" in response.content.decode().lower()


def test_poll_returns_new_activity_since_the_cursor(op_client):
    first = op_client.get(reverse("inbox:list"))
    since = first.context["since"]
    assert op_client.get(reverse("inbox:poll"), {"since": since}).json()["rows"] == []
    ticket = make_ticket(sender="081211112222", text="Halo, KIA anak saya")
    data = op_client.get(reverse("inbox:poll"), {"since": since}).json()
    assert [row["id"] for row in data["rows"]] == [ticket.pk]
    assert ticket.reference in data["rows"][0]["html"]
    assert f'href="/inbox/tiket/{ticket.pk}/"' in data["rows"][0]["html"]
    # The poll keeps the view's filters: an e-mail-only view does not get the WhatsApp ticket.
    assert op_client.get(reverse("inbox:poll"), {"since": since, "channel": "email"}).json()["rows"] == []


def test_poll_shows_a_message_timestamped_before_the_page_but_applied_after(op_client):
    """A provider's timestamp lags (Meta: whole seconds, up to ~20 s late, more after an outage): the
    poll's "since" is when the change was written here, not the message's own time."""
    old = make_ticket(sender="081233330000", text="Halo")
    Ticket.objects.filter(pk=old.pk).update(
        last_activity_at=timezone.now() - dt.timedelta(minutes=5),
        updated_at=timezone.now() - dt.timedelta(minutes=5),
    )
    since = op_client.get(reverse("inbox:list")).context["since"]
    lagged = timezone.now() - dt.timedelta(seconds=20)
    fresh = make_ticket(sender="081233331111", text="Pesan terlambat", timestamp=lagged)
    continued = make_ticket(sender="081233330000", text="Satu lagi", timestamp=lagged)
    assert continued.pk == old.pk
    data = op_client.get(reverse("inbox:poll"), {"since": since}).json()
    assert {row["id"] for row in data["rows"]} == {fresh.pk, old.pk}


def test_bulk_assign_topic_close(op_client, operator2):
    a, b, c = (make_ticket(sender=f"08140000{n:04d}") for n in range(3))
    url = reverse("inbox:bulk")
    response = op_client.post(url, {"action": "assign", "assignee": operator2.pk, "tickets": [a.pk, b.pk]})
    assert response.status_code == 302
    assert set(Ticket.objects.filter(assignee=operator2).values_list("pk", flat=True)) == {a.pk, b.pk}
    pindah = Topic.objects.get(code="pindah")
    op_client.post(url, {"action": "topic", "topic": pindah.pk, "tickets": [b.pk, c.pk]})
    assert set(Ticket.objects.filter(topic=pindah).values_list("pk", flat=True)) == {b.pk, c.pk}
    assert Ticket.objects.get(pk=c.pk).department == pindah.department
    op_client.post(url, {"action": "close", "tickets": [a.pk, c.pk]})
    assert set(Ticket.objects.filter(status="closed").values_list("pk", flat=True)) == {a.pk, c.pk}
    assert op_client.post(url, {"action": "hapus", "tickets": [a.pk]}).status_code == 400
    assert op_client.post(url, {"action": "close"}).status_code == 400


def _list_queries(client, size: int) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("inbox:list"), {"n": size})
    assert response.status_code == 200
    assert len(response.context["rows"]) == size
    return len(ctx.captured_queries)


# The audit row of the read (tickets.privacy.reads): the chain's head and the insert, on PostgreSQL
# after the chain's advisory lock.
AUDIT_QUERIES = 3 if connection.vendor == "postgresql" else 2
# the user with their official record (the layout's queue link), their groups (roles), the
# tickets page (reply status, read state, topic, assignee and the contact's first identity are
# subqueries), and the audit row.
LIST_QUERIES = 3 + AUDIT_QUERIES
# With an empty cache also the session, and the operators, topics and departments of the filter and
# bulk controls (tickets.refdata).
LIST_QUERIES_COLD_CACHE = 7 + AUDIT_QUERIES


@pytest.mark.parametrize("size", [10, 50])
def test_list_query_count_is_pinned(op_client, operator, operator2, django_assert_num_queries, size):
    kk = Topic.objects.get(code="kk")
    for n in range(55):
        ticket = make_ticket(sender=f"08150000{n:04d}", name=f"Warga {n}")
        Ticket.objects.filter(pk=ticket.pk).update(topic=kk, department=kk.department, assignee=operator2)
        if n % 2:
            outbox.message_reply_create(ticket=ticket, author=operator, body="Baik")
        if n % 3:
            TicketReadState.objects.create(user=operator, ticket=ticket)
    cache.clear()
    with django_assert_num_queries(LIST_QUERIES_COLD_CACHE):
        response = op_client.get(reverse("inbox:list"), {"n": size})
    assert len(response.context["rows"]) == size
    with django_assert_num_queries(LIST_QUERIES):
        response = op_client.get(reverse("inbox:list"), {"n": size})
    assert len(response.context["rows"]) == size
