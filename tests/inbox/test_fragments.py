"""The list's rows and the timeline's messages are built in Python (tickets.inbox.fragments) for speed:
they must show what the templates showed, escape every value that comes from a citizen, an operator
or a provider, follow the chosen language, and show local (WITA) times as the ``date`` filter does."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.conf import settings
from django.db import connection
from django.template.defaultfilters import date as date_filter
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from officials.forms import EscalationCreateForm
from officials.models import Escalation, EscalationEvent
from tickets.inbox.fragments import Labels
from tickets.models import Attachment, Department, Message, Official, Ticket, Topic
from tickets.relay import outbox

from ..factories import staff_user
from .conftest import make_ticket

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.inbox.urls")]

CSRF_VALUE = re.compile(r'(?<=name="csrfmiddlewaretoken" value=")[^"]+')
EVIL = '<img src=x onerror="alert(1)">'


def _assert_inert(html: str) -> None:
    assert "<img src=x" not in html, "a value was rendered as markup"
    assert "&amp;lt;" not in html, "a value was escaped twice"
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html, "the value is not shown escaped"


def _hostile_ticket(operator) -> Ticket:
    ticket = make_ticket(name=EVIL, text=f"tolong {EVIL}\nbaris dua")
    Ticket.objects.filter(pk=ticket.pk).update(topic=Topic.objects.create(code="x", name=EVIL))
    reply = outbox.message_reply_create(ticket=ticket, author=operator, body="Balasan")
    Message.objects.filter(pk=reply.pk).update(status="failed", error_code="470", error_text=EVIL)
    message = Message.objects.filter(direction="in").first()
    assert message is not None
    Attachment.objects.create(
        message=message,
        content_type="image/png",
        original_name=EVIL,
        size=2048,
        download_status=Attachment.DownloadStatus.STORED,
    )
    Attachment.objects.create(
        message=message,
        content_type="application/pdf",
        original_name="akta.pdf",
        size=10,
        download_status=Attachment.DownloadStatus.FAILED,
        download_error=EVIL,
    )
    Message.objects.create(
        ticket=ticket,
        direction="in",
        kind="call",
        channel="whatsapp_call",
        status="received",
        meta={"call": {"status": EVIL, "duration_seconds": 42, "talk_seconds": 30, "transcript": EVIL}},
    )
    return ticket


def test_every_value_in_rows_and_messages_is_escaped(client, seeded):
    operator = staff_user("op-evil", group="operator", first_name=EVIL)
    ticket = _hostile_ticket(operator)
    Ticket.objects.filter(pk=ticket.pk).update(assignee=operator)
    client.force_login(operator)

    listing = client.get(reverse("inbox:list")).content.decode()
    _assert_inert(listing)
    assert '<td class="assignee">&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</td>' in listing
    assert listing.count("&lt;img src=x") >= 3  # contact, topic, assignee

    page = client.get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()
    _assert_inert(page)
    assert "tolong &lt;img" in page and "<br>baris dua" in page  # line breaks kept, text escaped
    assert 'alt="Lampiran gambar &lt;img' in page
    assert "Gagal: 470 &lt;img" in page and "Kirim ulang" in page
    assert "durasi 42 detik" in page and "bicara 30 detik" in page
    assert '<p class="transcript">&lt;img' in page
    assert "2,0\xa0KB" in page or "2.0\xa0KB" in page

    since = str(int((timezone.now() - dt.timedelta(hours=1)).timestamp() * 1_000_000))
    rows = json.loads(client.get(reverse("inbox:poll"), {"since": since}).content)["rows"]
    assert [row["id"] for row in rows] == [ticket.pk]
    _assert_inert(rows[0]["html"])

    messages = json.loads(client.get(reverse("inbox:ticket_poll", args=[ticket.pk]), {"after": 0}).content)[
        "messages"
    ]
    assert len(messages) == Message.objects.filter(ticket=ticket).count()
    _assert_inert("".join(message["html"] for message in messages))
    # The poll's fragments are the page's own (the CSRF token is masked anew on each response).
    unmasked = CSRF_VALUE.sub("", page)
    for message in messages:
        assert CSRF_VALUE.sub("", message["html"]) in unmasked


def test_rows_and_messages_follow_the_chosen_language(client, seeded):
    operator = staff_user("op-en", group="operator")
    ticket = make_ticket(name="")
    reply = outbox.message_reply_create(ticket=ticket, author=operator, body="Siap")
    Message.objects.filter(pk=reply.pk).update(status="failed")
    client.force_login(operator)

    indonesian = client.get(reverse("inbox:list")).content.decode()
    assert 'aria-label="Belum dibaca"' in indonesian and "Tanpa nama" in indonesian

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(reverse("inbox:list")).content.decode()
    assert "Belum dibaca" not in english and "Tanpa nama" not in english
    assert 'aria-label="Unread"' in english and "No name" in english
    page = client.get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()
    assert "Citizen" in page and "Failed:" in page and "Resend" in page


@pytest.mark.parametrize("language", ["id", "en"])
def test_dates_match_the_date_filter_in_local_time(language):
    with translation.override(language):
        labels = Labels()
        for month in range(1, 13):
            # 23:30 UTC is the next morning in Makassar (UTC+8): the local day and month are shown.
            moment = dt.datetime(2026, month, 20, 23, 30, tzinfo=dt.UTC)
            local = timezone.localtime(moment)
            assert local.day == 21
            assert labels.full(moment) == date_filter(local, "d M Y H:i")


def test_choice_lists_come_from_the_cache_and_submissions_from_the_database(seeded):
    """The escalation form's choices are read once with plain queries (never a server-side cursor:
    DECLARE/FETCH/CLOSE on PostgreSQL cost more than the rest of the ticket page's SQL), then from
    the reference data cache; what is submitted is still checked against the database."""
    with CaptureQueriesContext(connection) as ctx:
        html = str(EscalationCreateForm().as_p())
    assert ctx.captured_queries and all(q["sql"].startswith("SELECT") for q in ctx.captured_queries)
    assert 'name="department"' in html and "Capil" in html
    with CaptureQueriesContext(connection) as ctx:
        assert str(EscalationCreateForm().as_p()) == html
    assert ctx.captured_queries == []

    capil = Department.objects.get(code="capil")
    Department.objects.filter(pk=capil.pk).update(is_active=False)  # no signal: the cache is stale
    assert "Capil" in str(EscalationCreateForm().as_p())
    form = EscalationCreateForm({"department": capil.pk, "question": "Boleh?"})
    assert not form.is_valid() and "department" in form.errors


def test_row_names_the_assignee_as_the_rest_of_the_app_does(op_client, seeded):
    """The row's assignee is read in SQL; it must read as ``get_full_name() or username``."""
    nameless = staff_user("petugas-tanpa-nama", group="operator")
    named = staff_user("rina", group="operator", first_name="Rina", last_name="")
    first = make_ticket(sender="081200000001")
    second = make_ticket(sender="081200000002")
    Ticket.objects.filter(pk=first.pk).update(assignee=nameless)
    Ticket.objects.filter(pk=second.pk).update(assignee=named)
    rows = {row.ticket.pk: row for row in op_client.get(reverse("inbox:list")).context["rows"]}
    assert rows[first.pk].assignee_name == "petugas-tanpa-nama"
    assert rows[second.pk].assignee_name == named.get_full_name() == "Rina"


def test_panel_forms_written_out_keep_values_errors_and_labels(seeded):
    """templates/includes/form_fields.html stands in for form.as_p on the ticket page."""
    capil = Department.objects.get(code="capil")
    fresh = render_to_string(
        "includes/form_fields.html", {"form": EscalationCreateForm(initial={"department": capil.pk})}
    )
    assert f'<option value="{capil.pk}" selected>Capil</option>' in fresh
    assert '<option value="" selected>Pejabat bawaan bidang</option>' in fresh
    assert '<label for="id_question">' in fresh and 'id="id_notify_citizen" checked' in fresh

    form = EscalationCreateForm({"department": capil.pk, "question": EVIL, "official": "999"})
    assert not form.is_valid()
    html = render_to_string("includes/form_fields.html", {"form": form})
    _assert_inert(html)  # the question comes back as typed, escaped
    assert 'aria-invalid="true" aria-describedby="id_official_error"' in html
    assert 'class="errorlist" id="id_official_error"' in html
    assert 'id="id_notify_citizen">' in html  # unchecked as submitted


def test_ticket_page_names_an_inactive_topic_and_a_former_operator(
    op_client, seeded, django_capture_on_commit_callbacks
):
    """Topic, department and assignee come from the reference data cache when they are in it;
    an inactive topic or a user who is no longer an operator is read from the database."""
    ticket = make_ticket()
    former = staff_user("pensiun", first_name="Pak", last_name="Pensiun")  # no operator role
    topic = Topic.objects.create(code="lama", name="Topik lama", is_active=False)
    Ticket.objects.filter(pk=ticket.pk).update(topic=topic, assignee=former)
    page = op_client.get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()
    assert "Topik lama" in page and "Pak Pensiun" in page
    with django_capture_on_commit_callbacks(execute=True):
        topic.name = "Topik lama (diubah)"
        topic.save()
    assert "Topik lama (diubah)" in op_client.get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()


def test_escalations_name_departments_and_people_whether_cached_or_not(op_client, operator, seeded):
    """The escalations' department, official and the people in their history come from the
    reference data cache; an inactive department or a former official is read when shown."""
    ticket = make_ticket()
    former = staff_user("mantan", first_name="Mantan", last_name="Kabid")  # no longer an official's user
    retired = Official.objects.create(user=former, title="Kabid lama")
    former.is_active = False
    former.save()
    closed = Department.objects.create(code="lama", name="Bidang Lama", is_active=False)
    escalation = Escalation.objects.create(
        ticket=ticket,
        department=closed,
        official=retired,
        question="Masih berlaku?",
        requested_by=operator,
        due_at=timezone.now() + dt.timedelta(days=1),
    )
    EscalationEvent.objects.create(escalation=escalation, kind="created", actor=former)
    page = op_client.get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()
    assert "Bidang Lama" in page and "Mantan Kabid (Kabid lama)" in page
