"""Internal notes: entries in a ticket's timeline for the staff, never sent to the citizen."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tickets.models import Message, Ticket


def message_note_create(*, ticket: Ticket, author, body: str, meta: dict[str, Any] | None = None) -> Message:
    """An internal note in the ticket's timeline: never sent (the relay only takes ``out``)."""
    body = (body or "").strip()
    if not body:
        raise ValidationError(_("Catatan tidak boleh kosong."), code="empty_note")
    return Message.objects.create(
        ticket=ticket,
        direction=Message.Direction.NOTE,
        channel=ticket.channel,
        body=body,
        author=author,
        # Notes are recorded, not delivered: "received" (Diterima) is the recorded state.
        status=Message.Status.RECEIVED,
        meta=dict(meta or {}),
    )
