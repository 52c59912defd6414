"""What operators do on a ticket's page: reply, note, assign or claim, topic and department,
status, merging tickets or contacts, resending a failed reply. Each answers with the page again (a
flash message says what happened) or, asked for JSON, 400 with the reason."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tickets.inbox import services as inbox_services
from tickets.inbox.forms import (
    AssignForm,
    CategorizeForm,
    MergeContactForm,
    MergeTicketForm,
    NoteForm,
    ReplyForm,
    StatusForm,
)
from tickets.inbox.views.common import (
    audit,
    ticket_or_404,
)
from tickets.inbox.views.ticket import ticket_page_response
from tickets.models import Message, Ticket
from tickets.relay import notes, outbox
from tickets.roles import staff_required


def _back_to(ticket: Ticket):
    return redirect("inbox:ticket", ticket_id=ticket.pk)


def _form_error(request, ticket: Ticket, form):
    """A form that does not validate: 400 for scripts, a flash message and the page for people."""
    reason = "; ".join(str(error) for errors in form.errors.values() for error in errors)
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"error": reason}, status=400)
    messages.error(request, reason)
    return _back_to(ticket)


def _service_error(request, ticket: Ticket, error: ValidationError):
    reason = "; ".join(error.messages)
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"error": reason}, status=400)
    messages.error(request, reason)
    return _back_to(ticket)


def _reply_refused(request, ticket: Ticket, reason: str):
    """A refused reply: 400 for scripts; for people the ticket page again, the text they typed back
    in the composer and the reason next to it (issue 16: a 5,000-character reply came back empty)."""
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"error": reason}, status=400)
    return ticket_page_response(
        request, ticket, reply_body=request.POST.get("body", ""), reply_error=reason, status=400
    )


@require_POST
@staff_required()
def ticket_reply(request, ticket_id: int):
    ticket = ticket_or_404(ticket_id)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        body_errors = form.errors.get("body")
        if body_errors and form.data.get("body", "").strip():
            # Longer than any channel takes: say it with this channel's limit.
            too_long = outbox.reply_length_error(
                ticket=ticket, body=form.data["body"], channel=form.data.get("channel") or None
            )
            if too_long is not None:
                return _reply_refused(request, ticket, "; ".join(too_long.messages))
        reason = "; ".join(str(error) for errors in form.errors.values() for error in errors)
        return _reply_refused(request, ticket, reason)
    channel = form.cleaned_data.get("channel") or None
    refusal = outbox.reply_refusal(ticket=ticket, channel=channel)
    if refusal:
        return _reply_refused(request, ticket, refusal)
    try:
        outbox.message_reply_create(
            ticket=ticket,
            author=request.user,
            body=form.cleaned_data["body"],
            channel=channel,
        )
    except ValidationError as error:
        return _reply_refused(request, ticket, "; ".join(error.messages))
    # "reply-sent": the composer's script drops this ticket's saved draft (inbox.js).
    messages.success(request, _("Balasan masuk antrean pengiriman."), extra_tags="reply-sent")
    return _back_to(ticket)


@require_POST
@staff_required()
def ticket_note(request, ticket_id: int):
    ticket = ticket_or_404(ticket_id)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _form_error(request, ticket, form)
    try:
        notes.message_note_create(ticket=ticket, author=request.user, body=form.cleaned_data["body"])
    except ValidationError as error:
        return _service_error(request, ticket, error)
    messages.success(request, _("Catatan disimpan."))
    return _back_to(ticket)


@require_POST
@staff_required()
def ticket_assign(request, ticket_id: int):
    ticket = ticket_or_404(ticket_id)
    if request.POST.get("claim") == "1":
        inbox_services.ticket_claim(ticket=ticket, user=request.user)
        audit(request, "ticket_assign", ticket, assignee=request.user.get_username(), claim=True)
        messages.success(request, _("Tiket Anda ambil."))
        return _back_to(ticket)
    form = AssignForm(request.POST)
    if not form.is_valid():
        return _form_error(request, ticket, form)
    try:
        inbox_services.ticket_assign(ticket=ticket, assignee=form.cleaned_data["assignee"], by=request.user)
    except ValidationError as error:
        return _service_error(request, ticket, error)
    assignee = form.cleaned_data["assignee"]
    audit(request, "ticket_assign", ticket, assignee=assignee.get_username() if assignee else None)
    messages.success(request, _("Petugas tiket diperbarui."))
    return _back_to(ticket)


@require_POST
@staff_required()
def ticket_categorize(request, ticket_id: int):
    ticket = ticket_or_404(ticket_id)
    form = CategorizeForm(request.POST)
    if not form.is_valid():
        return _form_error(request, ticket, form)
    inbox_services.ticket_categorize(
        ticket=ticket, topic=form.cleaned_data["topic"], department=form.cleaned_data["department"]
    )
    messages.success(request, _("Topik dan bidang diperbarui."))
    return _back_to(ticket)


@require_POST
@staff_required()
def ticket_status(request, ticket_id: int):
    ticket = ticket_or_404(ticket_id)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _form_error(request, ticket, form)
    try:
        inbox_services.ticket_set_status(ticket=ticket, action=form.cleaned_data["action"])
    except ValidationError as error:
        return _service_error(request, ticket, error)
    audit(request, "ticket_status", ticket, status_action=form.cleaned_data["action"])
    messages.success(request, _("Status tiket diperbarui."))
    return _back_to(ticket)


@require_POST
@staff_required()
def ticket_merge(request, ticket_id: int):
    ticket = ticket_or_404(ticket_id)
    form = MergeTicketForm(request.POST)
    if not form.is_valid():
        return _form_error(request, ticket, form)
    try:
        inbox_services.ticket_merge(source=form.cleaned_data["reference"], target=ticket, by=request.user)
    except ValidationError as error:
        return _service_error(request, ticket, error)
    audit(request, "ticket_merge", ticket, merged=form.cleaned_data["reference"].reference)
    messages.success(request, _("Tiket digabung."))
    return _back_to(ticket)


@require_POST
@staff_required()
def contact_merge(request, ticket_id: int):
    ticket = ticket_or_404(ticket_id)
    form = MergeContactForm(request.POST)
    if not form.is_valid():
        return _form_error(request, ticket, form)
    try:
        inbox_services.contact_merge(
            source=form.cleaned_data["reference"].contact, target=ticket.contact, by=request.user
        )
    except ValidationError as error:
        return _service_error(request, ticket, error)
    audit(request, "contact_merge", ticket, merged_contact=form.cleaned_data["reference"].contact_id)
    messages.success(request, _("Kontak digabung."))
    return _back_to(ticket)


@require_POST
@staff_required()
def message_retry(request, ticket_id: int, message_id: int):
    ticket = ticket_or_404(ticket_id)
    message = get_object_or_404(Message, pk=message_id, ticket=ticket)
    try:
        outbox.message_retry(message=message, author=request.user)
    except ValidationError as error:
        return _service_error(request, ticket, error)
    messages.success(request, _("Balasan dikirim ulang."))
    return _back_to(ticket)
