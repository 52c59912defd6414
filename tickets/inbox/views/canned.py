"""Canned answers, filled in for a ticket (the citizen's name and the ticket's reference)."""

from __future__ import annotations

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tickets.identities import name_without_bidi
from tickets.inbox.selectors import reference
from tickets.inbox.views.common import (
    bad_request,
    ticket_or_404,
)
from tickets.models import CannedAnswer, Ticket
from tickets.privacy.reads import audit_read_once
from tickets.roles import staff_required


def fill_canned(ticket: Ticket, answers: list[CannedAnswer]) -> list[dict[str, object]]:
    """The answers as the ticket page and the search list them, placeholders filled in."""
    values = {
        "{nama}": name_without_bidi(ticket.contact.name) or _("Bapak/Ibu"),
        "{nomor_tiket}": ticket.reference,
    }
    filled = []
    for answer in answers:
        body = answer.body
        for placeholder, value in values.items():
            body = body.replace(placeholder, value)
        filled.append(
            {
                "id": answer.pk,
                "title": answer.title,
                "shortcut": answer.shortcut,
                "body": body,
                "search": f"{answer.title} {answer.shortcut}".lower(),
            }
        )
    return filled


@require_GET
@staff_required()
def canned_search(request, ticket_id: int):
    """Canned answers matching ``q``, filled in for this ticket (name and reference)."""
    ticket = ticket_or_404(ticket_id)
    text = request.GET.get("q", "").strip()[:100]
    if "\x00" in text:  # PostgreSQL refuses NUL in text: a 400 wherever the search runs
        return bad_request(_("Karakter NUL tidak diizinkan dalam pencarian."))
    answers = reference.canned_answers(text=text, topic_id=ticket.topic_id)
    if answers:  # filled with the citizen's name: audited once per ticket and user per few minutes
        audit_read_once(request, "canned_answers", ticket=ticket)
    return JsonResponse({"answers": fill_canned(ticket, answers)})
