"""Searching by name returns exactly what the unlimited query returns, newest first, on every page and
at every page size, however many tickets match (issue 16: the search kept an arbitrary 10,000 of a
common name's 33,864 tickets, so its first page shared none of the right page's tickets)."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import connection
from django.utils import timezone

from tickets.inbox.selectors import search
from tickets.inbox.selectors.listing import InboxQuery, inbox_page
from tickets.models import Contact, Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

# More matching tickets than any cap the search ever had (10,000).
MATCHING = 12_500


def _load(count_matching: int, count_other: int) -> None:
    """Contacts named "Rahmawati …" and others, tickets in shuffled activity order (ids and activity
    disagree, as they do once old tickets get new messages), ties on last activity included."""
    rng = random.Random(16)
    named = Contact.objects.bulk_create([Contact(name=f"Rahmawati {n}") for n in range(40)])
    others = Contact.objects.bulk_create([Contact(name=f"Budi {n}") for n in range(40)])
    base = timezone.now() - dt.timedelta(days=400)
    total = count_matching + count_other
    minutes = list(range(total))
    rng.shuffle(minutes)
    year = timezone.now().year
    tickets = []
    for n in range(total):
        contact = named[n % len(named)] if n < count_matching else others[n % len(others)]
        # Every tenth ticket shares its minute with another: the id must break the tie.
        moment = base + dt.timedelta(minutes=minutes[n] - minutes[n] % 10 * (n % 10 == 0))
        tickets.append(
            Ticket(
                reference=f"CA-{year}-{n + 1:06d}",
                year=year,
                number=n + 1,
                contact=contact,
                channel="whatsapp",
                status=rng.choice(["new", "open", "answered", "closed"]),
                created_at=moment,
                last_activity_at=moment,
            )
        )
    Ticket.objects.bulk_create(tickets, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tickets_ticket")
        cursor.execute("ANALYZE tickets_contact")


def _expected(status: str) -> list[int]:
    tickets = Ticket.objects.filter(merged_into__isnull=True, contact__name__istartswith="rahmawati ")
    if status != "semua":
        tickets = tickets.filter(status__in=Ticket.OPEN_STATUSES)
    return list(tickets.order_by("-last_activity_at", "-id").values_list("pk", flat=True))


def _walk(user, query: InboxQuery, size: int, max_pages: int | None = None) -> list[list[int]]:
    pages: list[list[int]] = []
    cursor = ""
    while max_pages is None or len(pages) < max_pages:
        page = inbox_page(user=user, query=query, cursor=cursor, size=size)
        pages.append([row.ticket.pk for row in page.rows])
        cursor = page.next_cursor
        if not cursor:
            break
    return pages


@pytest.mark.parametrize("few_matches", [2000, 0], ids=["rare-name-plan", "common-name-plan"])
def test_name_search_pages_equal_the_unlimited_query_page_by_page(operator, few_matches, monkeypatch):
    # Both plans: the matching contacts' ids (rare name), the name checked on each ticket's contact
    # row while walking the inbox (common name).
    monkeypatch.setattr(search, "FEW_MATCHES", few_matches)
    _load(MATCHING, 2_000)
    for status in ("semua", ""):
        expected = _expected(status)
        assert len(expected) > 6_000  # more than a page walk could fake
        query = InboxQuery(status=status, q="rahmawati")
        # Every page at the largest size: the whole result, in order, each ticket once.
        pages = _walk(operator, query, 50)
        assert [pk for page in pages for pk in page] == expected
        assert all(len(page) == 50 for page in pages[:-1])
        # The first pages at the other sizes.
        for size in (10, 25):
            pages = _walk(operator, query, size, max_pages=4)
            assert pages == [expected[n * size : (n + 1) * size] for n in range(4)]
