"""inbox_services and presence, below the views: the rules a request cannot bypass."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tickets.inbox import presence
from tickets.inbox import services as inbox_services
from tickets.models import Message, Ticket, TicketReadState

from .conftest import make_ticket

pytestmark = pytest.mark.django_db


def test_merge_refuses_self_other_contact_and_merged(operator):
    a = make_ticket(sender="081200001111")
    b = make_ticket(sender="081200002222")
    with pytest.raises(ValidationError):
        inbox_services.ticket_merge(source=a, target=a)
    with pytest.raises(ValidationError) as refused:
        inbox_services.ticket_merge(source=a, target=b)
    assert "kontak yang berbeda" in refused.value.messages[0]
    Ticket.objects.filter(pk=a.pk).update(status="closed")
    c = make_ticket(sender="081200001111", text="lagi")
    inbox_services.ticket_merge(source=a, target=c, by=operator)
    with pytest.raises(ValidationError):
        inbox_services.ticket_merge(source=a, target=c)
    # Bulk actions skip merged tickets.
    assert inbox_services.tickets_bulk_update(ticket_ids=[a.pk], action="close") == 0


def test_merge_reopens_a_closed_target_when_the_source_is_open(operator):
    old = make_ticket(sender="081200003333", text="lama")
    Ticket.objects.filter(pk=old.pk).update(status="closed")
    new = make_ticket(sender="081200003333", text="baru")
    old.refresh_from_db()
    inbox_services.ticket_merge(source=new, target=old, by=operator)
    old.refresh_from_db()
    assert old.status == "open" and old.messages.filter(direction=Message.Direction.IN).count() == 2


def test_mark_read_is_one_row_per_user_and_ticket(operator):
    ticket = make_ticket()
    inbox_services.ticket_mark_read(ticket=ticket, user=operator)
    first = TicketReadState.objects.get().last_read_at
    inbox_services.ticket_mark_read(ticket=ticket, user=operator)
    assert TicketReadState.objects.count() == 1
    assert TicketReadState.objects.get().last_read_at >= first


def test_close_sets_resolved_and_closed_and_reopen_clears(operator):
    ticket = make_ticket()
    inbox_services.ticket_set_status(ticket=ticket, action="close")
    ticket.refresh_from_db()
    assert ticket.status == "closed" and ticket.resolved_at and ticket.closed_at
    with pytest.raises(ValidationError):
        inbox_services.ticket_set_status(ticket=ticket, action="hapus")


def test_presence_lists_others_and_forgets_who_left(operator, operator2):
    presence.presence_touch(ticket_id=7, user=operator)
    presence.presence_touch(ticket_id=7, user=operator2, typing=True)
    assert presence.presence_others(ticket_id=7, user=operator) == [
        presence.Presence(operator2.pk, "Budi Operator", True)
    ]
    assert [p.name for p in presence.presence_others(ticket_id=7, user=operator2)] == ["Rina Operator"]
    presence.presence_leave(ticket_id=7, user=operator2)
    assert presence.presence_others(ticket_id=7, user=operator) == []
    assert presence.presence_others(ticket_id=8, user=operator) == []
