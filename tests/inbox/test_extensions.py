"""The inbox's extension points (tickets.inbox.extensions): what other apps add without the inbox
importing them. Officials' own contributions are tested in tests/officials/test_inbox.py."""

from __future__ import annotations

import pytest
from django.db.models import Q

from tickets.inbox import extensions
from tickets.inbox import services as inbox_services
from tickets.models import Message, Ticket

from .conftest import make_ticket

pytestmark = pytest.mark.django_db


def test_ticket_merged_is_sent_after_the_messages_moved(operator):
    source = make_ticket(sender="081200005555", text="pertama")
    Ticket.objects.filter(pk=source.pk).update(status="closed")
    target = make_ticket(sender="081200005555", text="kedua")
    seen = []

    def receiver(sender, *, source, target, by, **kwargs):
        seen.append((sender, source.pk, target.pk, by))
        assert Message.objects.filter(ticket=source).count() == 0  # the messages moved first

    extensions.ticket_merged.connect(receiver, dispatch_uid="test-merge")
    try:
        inbox_services.ticket_merge(source=source, target=target, by=operator)
    finally:
        extensions.ticket_merged.disconnect(dispatch_uid="test-merge")
    assert seen == [(Ticket, source.pk, target.pk, operator)]


def test_a_failing_merge_receiver_undoes_the_whole_merge(operator):
    """The signal is sent inside the merge's transaction: what a receiver does commits with it."""
    source = make_ticket(sender="081200006666", text="pertama")
    Ticket.objects.filter(pk=source.pk).update(status="closed")
    target = make_ticket(sender="081200006666", text="kedua")

    def receiver(sender, **kwargs):
        raise RuntimeError("boom")

    extensions.ticket_merged.connect(receiver, dispatch_uid="test-merge-fails")
    try:
        with pytest.raises(RuntimeError):
            inbox_services.ticket_merge(source=source, target=target, by=operator)
    finally:
        extensions.ticket_merged.disconnect(dispatch_uid="test-merge-fails")
    source.refresh_from_db()
    assert source.merged_into_id is None and source.messages.count() == 1


def test_waiting_filter_is_the_status_or_any_registered_condition(operator):
    waiting = make_ticket(sender="081200007777")
    Ticket.objects.filter(pk=waiting.pk).update(status=Ticket.Status.WAITING_OFFICIAL)
    flagged = make_ticket(sender="081200008888")
    make_ticket(sender="081200009999")
    saved = dict(extensions._waiting)
    try:
        extensions.register_waiting_condition("test", lambda: Q(pk=flagged.pk))
        found = set(Ticket.objects.filter(extensions.waiting_filter()).values_list("pk", flat=True))
    finally:
        extensions._waiting.clear()
        extensions._waiting.update(saved)
    assert found == {waiting.pk, flagged.pk}


def test_sections_are_read_once_each_in_registration_order():
    ticket = make_ticket()
    calls = []
    saved = dict(extensions._sections)
    try:
        extensions._sections.clear()
        for name in ("b", "a"):
            extensions.register_ticket_section(
                name,
                lambda *, ticket, name=name: (
                    calls.append(name) or extensions.TicketSection(panel=extensions.Part(f"{name}.html"))
                ),
            )
        sections = extensions.ticket_sections(ticket=ticket)
    finally:
        extensions._sections.clear()
        extensions._sections.update(saved)
    assert calls == ["b", "a"]
    assert [s.panel.template for s in sections] == ["b.html", "a.html"]
