"""Staff page to log a call answered on a handset (phone or WhatsApp call)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from tickets.calls.forms import CallLogForm
from tickets.calls.services import call_log_record
from tickets.privacy.reads import audit_read
from tickets.roles import staff_required


# Operators log the calls they answered (not Django-admin staff status: roles are groups).
@staff_required()
def call_log_page(request):
    if request.method == "POST":
        form = CallLogForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            minutes = data.get("duration_minutes")
            ticket = call_log_record(
                channel=data["channel"],
                caller_number=data.get("caller_number", ""),
                caller_name=data.get("caller_name", ""),
                topic=data.get("topic"),
                summary=data["summary"],
                duration_seconds=minutes * 60 if minutes is not None else None,
                outcome=data["outcome"],
                author=request.user,
                idempotency_token=data["token"],
                call_message=data.get("existing_call"),
            )
            messages.success(request, _("Panggilan tercatat pada tiket %(ref)s.") % {"ref": ticket.reference})
            return redirect("tickets_calls:log")
    else:
        form = CallLogForm()
    # The form offers the calls awaiting a summary by the caller's name or masked number: a read.
    listed = [call.pk for call in form.fields["existing_call"].queryset]
    if listed:
        audit_read(request, "calls_awaiting_summary", ids=listed)
    return render(request, "tickets/calls/log.html", {"form": form})
