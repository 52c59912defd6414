"""ticket_ingest under concurrency on PostgreSQL: duplicate deliveries racing, and reference numbers."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection

from tickets.ingest import ticket_ingest
from tickets.models import ContactIdentity, Message, Ticket

from .factories import inbound
from .support import at_wita

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(n: int, make_message) -> list:
    """Run ticket_ingest from ``n`` threads released at the same instant; return results/exceptions."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = ticket_ingest(message=make_message(i))
        except Exception as exc:  # surfaced by the assertions below
            results[i] = exc
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_the_same_message_delivered_twice_at_once_is_stored_once():
    for round_no in range(5):
        results = _race(
            2, lambda i, r=round_no: inbound(provider_message_id=f"wamid.RACE{r}", sender=f"08124444{r:04d}")
        )
        assert not [r for r in results if isinstance(r, Exception)], results
        assert sorted(r.created for r in results) == [False, True]
        assert results[0].message.pk == results[1].message.pk
    assert Message.objects.filter(direction="in").count() == 5
    assert Ticket.objects.count() == 5
    assert ContactIdentity.objects.count() == 5


def test_a_new_contact_writing_twice_at_once_gets_one_contact_and_one_ticket():
    results = _race(4, lambda i: inbound(provider_message_id=f"wamid.PAR{i}", sender="081255556666"))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Message.objects.filter(direction="in").count() == 4
    assert ContactIdentity.objects.count() == 1
    # The first committed delivery opens the ticket; the others continue it.
    assert Ticket.objects.count() == 1


def test_references_never_collide_under_concurrent_creation():
    n = 12
    results = _race(
        n,
        lambda i: inbound(
            provider_message_id=f"wamid.NEW{i}", sender=f"0813{i:08d}", timestamp=at_wita(2026, 6, 1, 9, i)
        ),
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    references = sorted(Ticket.objects.values_list("reference", flat=True))
    assert references == [f"CA-2026-{k:06d}" for k in range(1, n + 1)]


def test_a_known_contact_writing_several_times_at_once_gets_one_new_ticket():
    first = ticket_ingest(message=inbound(sender="081277778888", timestamp=at_wita(2026, 1, 5, 9, 0)))
    Ticket.objects.filter(pk=first.ticket.pk).update(status=Ticket.Status.CLOSED)
    results = _race(4, lambda i: inbound(provider_message_id=f"wamid.KNOWN{i}", sender="081277778888"))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Ticket.objects.count() == 2
    assert len({r.ticket.pk for r in results}) == 1
